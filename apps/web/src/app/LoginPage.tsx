import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../shared/api/client.ts';
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
    return err.message;
  }
  return t('errors.generic');
}

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
            {error ? <Alert color="red" variant="light" role="alert" data-testid="login-error">{error}</Alert> : null}
            <Button type="submit" loading={busy} fullWidth data-testid="login-submit">{t('login.submit')}</Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
