import { Navigate, type RouteObject } from 'react-router-dom';

/** Routes of the command console (under /command); pages load on demand. */
export const commandRoutes: RouteObject[] = [
  { index: true, element: <Navigate to="live" replace /> },
  { path: 'live', lazy: async () => ({ Component: (await import('../../features/dashboard/pages.tsx')).LivePage }) },
  { path: 'figures', lazy: async () => ({ Component: (await import('../../features/dashboard/pages.tsx')).FiguresPage }) },
  { path: 'admin/users', lazy: async () => ({ Component: (await import('../../features/admin/pages.tsx')).UsersPage }) },
  { path: 'admin/organisations', lazy: async () => ({ Component: (await import('../../features/admin/pages.tsx')).OrgsPage }) },
  { path: 'admin/inspectors', lazy: async () => ({ Component: (await import('../../features/admin/pages.tsx')).InspectorsPage }) },
  { path: 'admin/api-tokens', lazy: async () => ({ Component: (await import('../../features/admin/pages.tsx')).TokensPage }) },
  { path: 'admin/webhooks', lazy: async () => ({ Component: (await import('../../features/webhooks/pages.tsx')).WebhooksAdminPage }) },
  { path: 'admin/settings', lazy: async () => ({ Component: (await import('../../features/admin/pages.tsx')).SettingsPage }) },
];
