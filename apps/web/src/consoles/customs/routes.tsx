import { Navigate, type RouteObject } from 'react-router-dom';

/** Routes of the customs console (under /customs); pages load on demand. */
export const customsRoutes: RouteObject[] = [
  { index: true, element: <Navigate to="declarations" replace /> },
  { path: 'declarations', lazy: async () => ({ Component: (await import('./pages.tsx')).DeclarationsPage }) },
  { path: 'declarations/:id', lazy: async () => ({ Component: (await import('./pages.tsx')).DeclarationPage }) },
  { path: 'import', lazy: async () => ({ Component: (await import('./pages.tsx')).ImportPage }) },
  { path: 'audit', lazy: async () => ({ Component: (await import('./pages.tsx')).AuditPage }) },
  { path: 'plan', lazy: async () => ({ Component: (await import('../../features/orders/pages.tsx')).PlanPage }) },
  { path: 'inbox', lazy: async () => ({ Component: (await import('../../features/orders/pages.tsx')).InboxPage }) },
  { path: 'orders/:id', lazy: async () => ({ Component: (await import('../../features/orders/pages.tsx')).OrderPage }) },
  { path: 'eligibility-rules', lazy: async () => ({ Component: (await import('../../features/orders/pages.tsx')).RulesPage }) },
  { path: 'findings', lazy: async () => ({ Component: (await import('../../features/findings/pages.tsx')).FindingsListPage }) },
  { path: 'findings/:id', lazy: async () => ({ Component: (await import('../../features/findings/pages.tsx')).FindingsPage }) },
  { path: 'approvals', lazy: async () => ({ Component: (await import('../../features/findings/pages.tsx')).ApprovalsPage }) },
  { path: 'cases', lazy: async () => ({ Component: (await import('../../features/evidence/pages.tsx')).CasesPage }) },
  { path: 'cases/:id', lazy: async () => ({ Component: (await import('../../features/evidence/pages.tsx')).CasePage }) },
  { path: 'sessions', lazy: async () => ({ Component: (await import('../../features/sessions/pages.tsx')).SessionsPage }) },
  { path: 'sessions/:id', lazy: async () => ({ Component: (await import('../../features/sessions/pages.tsx')).SessionPage }) },
  { path: 'risk-model', lazy: async () => ({ Component: (await import('./pages.tsx')).RiskModelPage }) },
  { path: 'security', lazy: async () => ({ Component: (await import('../../features/account/SecurityPage.tsx')).SecurityPage }) },
];
