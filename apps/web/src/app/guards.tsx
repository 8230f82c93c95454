import { Button, Center, Stack, Text } from '@mantine/core';
import { isRouteErrorResponse, Navigate, Outlet, useLocation, useNavigate, useRouteError } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useState } from 'react';
import type { TFunction } from 'i18next';
import type { OrgKind } from '@rvi/contracts';
import { AppFrame, type FrameNavItem } from '../shared/ui/AppFrame.tsx';
import { ErrorAlert } from '../shared/ui/ErrorAlert.tsx';
import { Loading } from '../shared/ui/Loading.tsx';
import { homePath, useSession } from './session.tsx';
import { ChangePasswordPage } from './ChangePasswordPage.tsx';
import { SecondFactorPage } from './SecondFactorPage.tsx';
import { NotificationBell } from '../features/orders/notifications/NotificationBell.tsx';

/** Everything below needs a session; without one, go to the login page and come back afterwards. */
export function RequireAuth() {
  const { me, loading, error } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  if (error && me === undefined) return <Center p="xl"><ErrorAlert error={error} /></Center>;
  if (!me) return <Navigate to="/login" replace state={{ from: `${location.pathname}${location.search}` }} />;
  if (me.mustChangePassword) return <ChangePasswordPage />;
  if (me.secondFactor !== 'ok') return <SecondFactorPage state={me.secondFactor} />;
  return <Outlet />;
}

export function HomeRedirect() {
  const { me } = useSession();
  return me ? <Navigate to={homePath(me)} replace /> : <Navigate to="/login" replace />;
}

/** A console's frame; a user of another kind of organisation is sent to their own console. */
export function ConsoleLayout({ orgKind, nav }: { orgKind: OrgKind; nav(can: Record<string, boolean>, t: TFunction): FrameNavItem[] }) {
  const { t } = useTranslation();
  const { me, logout, changeLocale } = useSession();
  const navigate = useNavigate();
  const [leaving, setLeaving] = useState(false);
  if (!me) return null;
  if (me.org.kind !== orgKind) return <Navigate to={homePath(me)} replace />;
  const onLogout = async () => {
    setLeaving(true);
    try {
      await logout();
      navigate('/login', { replace: true });
    } finally {
      setLeaving(false);
    }
  };
  return (
    <AppFrame
      nav={nav(me.can, t)}
      userName={me.displayName}
      orgName={me.org.name}
      roleLabel={t(`roles.${me.role}`)}
      onLogout={onLogout}
      onLocaleChange={changeLocale}
      loggingOut={leaving}
      headerExtra={<NotificationBell userId={me.id} consoleBase={orgKind === 'enterprise' ? '/enterprise' : '/customs'} />}
    >
      <Outlet />
    </AppFrame>
  );
}

export function NotFoundPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Center mih="60dvh" p="md">
      <Stack align="center" gap="sm" data-testid="not-found">
        <Text fw={700} fz="xl">{t('notFound.title')}</Text>
        <Text c="dimmed">{t('notFound.text')}</Text>
        <Button variant="light" onClick={() => navigate('/')}>{t('notFound.home')}</Button>
      </Stack>
    </Center>
  );
}

/** Shown when a page fails to render or load (e.g. an old tab after a new release); reloading usually fixes it. */
export function RouteErrorPage() {
  const { t } = useTranslation();
  const error = useRouteError();
  const message = error instanceof Error ? error.message : isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : '';
  return (
    <Center mih="60dvh" p="md">
      <Stack align="center" gap="sm" maw={480} data-testid="route-error">
        <Text fw={700} fz="xl">{t('errors.generic')}</Text>
        {message ? <Text c="dimmed" size="sm" ta="center" style={{ overflowWrap: 'anywhere' }}>{message}</Text> : null}
        <Button onClick={() => window.location.reload()}>{t('common.reload')}</Button>
      </Stack>
    </Center>
  );
}
