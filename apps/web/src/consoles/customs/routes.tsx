import { Navigate, type RouteObject } from 'react-router-dom';

/** Routes of the customs console (under /customs); pages load on demand. */
export const customsRoutes: RouteObject[] = [
  { index: true, element: <Navigate to="declarations" replace /> },
  { path: 'declarations', lazy: async () => ({ Component: (await import('./pages.tsx')).DeclarationsPage }) },
  { path: 'declarations/:id', lazy: async () => ({ Component: (await import('./pages.tsx')).DeclarationPage }) },
  { path: 'import', lazy: async () => ({ Component: (await import('./pages.tsx')).ImportPage }) },
  { path: 'audit', lazy: async () => ({ Component: (await import('./pages.tsx')).AuditPage }) },
  { path: 'risk-model', lazy: async () => ({ Component: (await import('./pages.tsx')).RiskModelPage }) },
];
