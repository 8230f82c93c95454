import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Divider, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { SsoOptions } from '@rvi/contracts';
import { api, ApiError } from '../shared/api/client.ts';
import { LanguageSwitch } from '../shared/ui/LanguageSwitch.tsx';
import { homePath, useSession } from './session.tsx';

function loginErrorText(err: unknown, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return t('login.wrongCredentials');
    if (err.status === 429) {
      const s = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      return s ? t('login.rateLimitedFor', { seconds: s }) : t('login.rateLimited');
    }
    if (err.code === 'network') return t('errors.network');
    // the directory (LDAP) path of this form refuses like single sign-on does: unmapped role, unknown office, down
    if (SSO_ERRORS.has(err.code)) return t(`login.sso.errors.${err.code}`);
    return err.message;
  }
  return t('errors.generic');
}

/** Codes the server's single sign-on callback sends back (/login?ssoError=…): each has its own text, others a generic one. */
const SSO_ERRORS = new Set(['sso_role_unmapped', 'sso_office_missing', 'sso_office_unknown', 'sso_username_taken', 'sso_username_missing', 'sso_username_invalid', 'account_disabled', 'sso_state_mismatch', 'sso_login_expired', 'sso_no_login', 'sso_denied', 'sso_unavailable', 'sso_token_refused', 'directory_unavailable']);
const SSO_OPTIONS_KEY = ['auth', 'sso'] as const;

export function LoginPage() {
  const { t } = useTranslation();
  const { me, login, changeLocale } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from;
  const [params] = useSearchParams();
  const ssoError = params.get('ssoError');
  // which sign-in methods the server offers (OpenID Connect shows a button; LDAP uses this form)
  const sso = useQuery({ queryKey: SSO_OPTIONS_KEY, queryFn: () => api<SsoOptions>('/api/auth/sso'), staleTime: 5 * 60_000, retry: false });
  const oidc = sso.data?.oidc ?? null;

  if (me) return <Navigate to={homePath(me)} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError(t('login.missing'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const user = await login({ username: username.trim(), password });
      navigate(from && from !== '/login' ? from : homePath(user), { replace: true });
    } catch (err) {
      setError(loginErrorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100dvh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="lg" radius="md" w="100%" maw={380}>
        <form onSubmit={submit} noValidate data-testid="login-form">
          <Stack gap="sm">
            <Group justify="space-between" align="flex-start" wrap="nowrap">
              <div>
                <Title order={1} fz="xl">{t('app.name')}</Title>
                <Text size="sm" c="dimmed">{t('login.subtitle')}</Text>
              </div>
              <LanguageSwitch onChange={changeLocale} />
            </Group>
            <TextInput
              label={t('login.username')}
              autoComplete="username"
              autoFocus
              maxLength={100}
              value={username}
              onChange={(e) => setUsername(e.currentTarget.value)}
              data-testid="login-username"
            />
            <PasswordInput
              label={t('login.password')}
              autoComplete="current-password"
              maxLength={200}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              data-testid="login-password"
            />
            {ssoError && !error ? (
              <Alert color="red" variant="light" role="alert" data-testid="login-sso-error">
                {t(SSO_ERRORS.has(ssoError) ? `login.sso.errors.${ssoError}` : 'login.sso.errors.other')}
              </Alert>
            ) : null}
            {error ? <Alert color="red" variant="light" role="alert" data-testid="login-error">{error}</Alert> : null}
            <Button type="submit" loading={busy} fullWidth data-testid="login-submit">{t('login.submit')}</Button>
            {sso.data?.ldap ? <Text size="xs" c="dimmed" data-testid="login-ldap-hint">{t('login.sso.ldapHint')}</Text> : null}
            {oidc ? (
              <>
                <Divider label={t('login.sso.or')} labelPosition="center" />
                <Button
                  component="a"
                  variant="default"
                  fullWidth
                  // a full-page navigation: the server redirects to the identity provider and back (code flow with PKCE)
                  href={`${oidc.startUrl}?returnTo=${encodeURIComponent(from && from !== '/login' && from.startsWith('/') ? from : '/')}`}
                  data-testid="login-oidc"
                >
                  {t('login.sso.button', { provider: oidc.name })}
                </Button>
              </>
            ) : null}
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
