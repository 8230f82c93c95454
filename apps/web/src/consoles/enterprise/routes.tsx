import { Navigate, type RouteObject } from 'react-router-dom';

/** Routes of the enterprise portal (under /enterprise); pages load on demand. */
export const enterpriseRoutes: RouteObject[] = [
  { index: true, element: <Navigate to="declarations" replace /> },
  { path: 'declarations', lazy: async () => ({ Component: (await import('./pages.tsx')).DeclarationsPage }) },
  { path: 'declarations/new', lazy: async () => ({ Component: (await import('./pages.tsx')).NewDeclarationPage }) },
  { path: 'declarations/:id', lazy: async () => ({ Component: (await import('./pages.tsx')).DeclarationPage }) },
  { path: 'inspections', lazy: async () => ({ Component: (await import('../../features/orders/pages.tsx')).InspectionsPage }) },
  { path: 'outcomes', lazy: async () => ({ Component: (await import('../../features/findings/pages.tsx')).OutcomesPage }) },
  { path: 'outcomes/:id', lazy: async () => ({ Component: (await import('../../features/findings/pages.tsx')).OutcomePage }) },
  { path: 'import', lazy: async () => ({ Component: (await import('./pages.tsx')).ImportPage }) },
  { path: 'camera', lazy: async () => ({ Component: (await import('../../features/sessions/pages.tsx')).OperatorCameraPage }) },
  { path: 'webhooks', lazy: async () => ({ Component: (await import('../../features/webhooks/pages.tsx')).WebhooksEnterprisePage }) },
  { path: 'security', lazy: async () => ({ Component: (await import('../../features/account/SecurityPage.tsx')).SecurityPage }) },
];
