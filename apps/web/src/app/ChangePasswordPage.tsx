import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../shared/api/client.ts';
import { ME_KEY, useSession } from './session.tsx';

/**
 * Shown instead of the console when an administrator set the user's password (a new account or a reset): the
 * server refuses everything else until the user chooses their own (403 password_change_required).
 */
export function ChangePasswordPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { logout } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (next.length < 10) return setError(t('password.tooShort'));
    if (next !== again) return setError(t('password.mismatch'));
    setBusy(true);
    setError(null);
    try {
      await api('/api/auth/password', { json: { currentPassword: current, newPassword: next } });
      await qc.invalidateQueries({ queryKey: ME_KEY });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_credentials') setError(t('password.wrongCurrent'));
      else if (err instanceof ApiError && err.code === 'password_unchanged') setError(t('password.unchanged'));
      else if (err instanceof ApiError && err.status === 429) setError(t('login.rateLimited'));
      else setError(err instanceof Error ? err.message : t('errors.generic'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100dvh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="lg" radius="md" w="100%" maw={420}>
        <form onSubmit={submit} noValidate data-testid="change-password-form">
          <Stack gap="sm">
            <Title order={1} fz="xl">{t('password.title')}</Title>
            <Text size="sm" c="dimmed">{t('password.why')}</Text>
            <PasswordInput label={t('password.current')} autoComplete="current-password" maxLength={200} value={current}
              onChange={(e) => setCurrent(e.currentTarget.value)} data-testid="password-current" />
            <PasswordInput label={t('password.new')} autoComplete="new-password" maxLength={200} value={next}
              onChange={(e) => setNext(e.currentTarget.value)} data-testid="password-new" />
            <PasswordInput label={t('password.again')} autoComplete="new-password" maxLength={200} value={again}
              onChange={(e) => setAgain(e.currentTarget.value)} data-testid="password-again" />
            {error ? <Alert color="red" variant="light" role="alert" data-testid="password-error">{error}</Alert> : null}
            <Button type="submit" loading={busy} fullWidth data-testid="password-submit">{t('password.submit')}</Button>
            <Button variant="subtle" onClick={() => void logout()}>{t('password.logout')}</Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
