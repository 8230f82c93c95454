import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, Center, Paper, PinInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../shared/api/client.ts';
import { factorErrorText, TotpSetup } from '../features/account/TotpSetup.tsx';
import { SecurityKeyButton, SecurityKeyRegister } from '../features/account/SecurityKeys.tsx';
import { ME_KEY, useSession } from './session.tsx';

/** The code from the authenticator app (or a recovery code): after the password, and again for sensitive actions. */
export function FactorForm({ onVerified }: { onVerified?: () => void }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const qc = useQueryClient();
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (recovery === null && !/^\d{6}$/.test(code)) return setError(t('factor.sixDigits'));
    setBusy(true);
    setError(null);
    try {
      await api('/api/auth/factor', { json: recovery === null ? { code } : { recoveryCode: recovery.trim() } });
      await qc.invalidateQueries({ queryKey: ME_KEY });
      onVerified?.();
    } catch (err) {
      setError(factorErrorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate data-testid="factor-form">
      <Stack gap="sm">
        {recovery === null ? (
          <>
            <Text size="sm">{t('factor.enterCode')}</Text>
            <PinInput length={6} type="number" oneTimeCode autoFocus value={code} onChange={setCode} aria-label={t('factor.code')} data-testid="factor-code" />
          </>
        ) : (
          <TextInput label={t('factor.recoveryCode')} autoComplete="off" maxLength={40} value={recovery} onChange={(e) => setRecovery(e.currentTarget.value)} data-testid="factor-recovery" />
        )}
        {error ? <Alert color="red" variant="light" role="alert" data-testid="factor-error">{error}</Alert> : null}
        <Button type="submit" loading={busy} fullWidth data-testid="factor-submit">{t('factor.verify')}</Button>
        <Anchor component="button" type="button" size="sm" onClick={() => { setError(null); setRecovery(recovery === null ? '' : null); }} data-testid="factor-toggle">
          {recovery === null ? t('factor.useRecovery') : t('factor.useApp')}
        </Anchor>
        {me?.securityKeys ? <SecurityKeyButton onVerified={onVerified} /> : null}
      </Stack>
    </form>
  );
}

/**
 * Shown instead of the console while the session owes its second factor: 'pending' asks for the code; 'enrol' (a
 * supervisor or administrator without one, RVI_REQUIRE_2FA) sets up the app first. The server refuses everything else
 * meanwhile (403 second_factor_required / second_factor_enrolment_required).
 */
export function SecondFactorPage({ state }: { state: 'pending' | 'enrol' }) {
  const { t } = useTranslation();
  const { logout } = useSession();
  return (
    <Center mih="100dvh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="lg" radius="md" w="100%" maw={420} data-testid={`factor-page-${state}`}>
        <Stack gap="sm">
          <Title order={1} fz="xl">{state === 'pending' ? t('factor.title') : t('factor.setupTitle')}</Title>
          {state === 'enrol' ? <Alert variant="light">{t('factor.required')}</Alert> : null}
          {state === 'pending' ? <FactorForm /> : (
            <>
              <TotpSetup />
              <Text size="sm" c="dimmed">{t('securityKey.orRegister')}</Text>
              <SecurityKeyRegister />
            </>
          )}
          <Button variant="subtle" onClick={() => void logout()}>{t('password.logout')}</Button>
        </Stack>
      </Paper>
    </Center>
  );
}
