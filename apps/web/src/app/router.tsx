import { createBrowserRouter } from 'react-router-dom';
import { enterpriseNav } from '../consoles/enterprise/nav.ts';
import { enterpriseRoutes } from '../consoles/enterprise/routes.tsx';
import { customsNav } from '../consoles/customs/nav.ts';
import { customsRoutes } from '../consoles/customs/routes.tsx';
import { commandNav } from '../consoles/command/nav.ts';
import { commandRoutes } from '../consoles/command/routes.tsx';
import { Loading } from '../shared/ui/Loading.tsx';
import { ConsoleLayout, HomeRedirect, NotFoundPage, RequireAuth, RouteErrorPage } from './guards.tsx';
import { LoginPage } from './LoginPage.tsx';

export const router = createBrowserRouter([
  {
    errorElement: <RouteErrorPage />,
    HydrateFallback: Loading,
    children: [
      { path: '/login', element: <LoginPage /> },
      {
        element: <RequireAuth />,
        children: [
          { path: '/', element: <HomeRedirect /> },
          {
            path: '/enterprise', element: <ConsoleLayout orgKind="enterprise" nav={enterpriseNav} />,
            // a failing page shows its error inside the console frame, so navigation stays usable
            children: [{ errorElement: <RouteErrorPage />, children: enterpriseRoutes }],
          },
          {
            path: '/customs', element: <ConsoleLayout orgKind="customs_office" nav={customsNav} />,
            // a failing page shows its error inside the console frame, so navigation stays usable
            children: [{ errorElement: <RouteErrorPage />, children: customsRoutes }],
          },
          {
            path: '/command', element: <ConsoleLayout orgKind="customs_office" nav={commandNav} />,
            children: [{ errorElement: <RouteErrorPage />, children: commandRoutes }],
          },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
