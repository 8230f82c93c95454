import { useState, type FormEvent } from 'react';
import { Alert, Box, Button, Code, List, PinInput, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { RecoveryCodes, TotpEnrolment } from '@rvi/contracts';
import { api, ApiError } from '../../shared/api/client.ts';
import { ME_KEY } from '../../app/session.tsx';

export function factorErrorText(err: unknown, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (err instanceof ApiError) {
    if (err.code === 'invalid_code' || err.code === 'validation') return t('factor.wrongCode');
    if (err.status === 429) {
      const s = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      return s ? t('login.rateLimitedFor', { seconds: s }) : t('login.rateLimited');
    }
    return t(`errors.${err.code}`, { defaultValue: err.message });
  }
  return t('errors.generic');
}

/**
 * Setting up an authenticator app: the server makes the secret and its otpauth:// QR code (SVG, as the camera-link
 * QR); a first code confirms it; the recovery codes are shown once, then `onDone`.
 */
export function TotpSetup({ onDone }: { onDone?: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      setEnrolment(await api<TotpEnrolment>('/api/auth/totp/enrol', { method: 'POST' }));
    } catch (err) {
      setError(factorErrorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    if (!/^\d{6}$/.test(code)) return setError(t('factor.sixDigits'));
    setBusy(true);
    setError(null);
    try {
      setCodes((await api<RecoveryCodes>('/api/auth/totp/confirm', { json: { code } })).recoveryCodes);
    } catch (err) {
      setError(factorErrorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  const finish = async () => {
    await qc.invalidateQueries({ queryKey: ME_KEY });
    onDone?.();
  };

  if (codes) {
    return (
      <Stack gap="sm" data-testid="totp-recovery">
        <Text fw={600}>{t('factor.recoveryTitle')}</Text>
        <Text size="sm" c="dimmed">{t('factor.recoveryWhy')}</Text>
        <List spacing={2} data-testid="totp-recovery-codes">{codes.map((c) => <List.Item key={c}><Code>{c}</Code></List.Item>)}</List>
        <Button onClick={() => void finish()} data-testid="totp-done">{t('factor.saved')}</Button>
      </Stack>
    );
  }
  if (!enrolment) {
    return (
      <Stack gap="sm">
        <Text size="sm">{t('factor.setupWhy')}</Text>
        {error ? <Alert color="red" variant="light" role="alert" data-testid="totp-error">{error}</Alert> : null}
        <Button onClick={() => void start()} loading={busy} data-testid="totp-start">{t('factor.setupStart')}</Button>
      </Stack>
    );
  }
  return (
    <form onSubmit={confirm} noValidate data-testid="totp-confirm-form">
      <Stack gap="sm">
        <Text size="sm">{t('factor.scan')}</Text>
        <Box w={220} h={220} style={{ background: '#fff' }} data-testid="totp-qr" aria-label={t('factor.qr')} dangerouslySetInnerHTML={{ __html: enrolment.qrSvg }} />
        <Text size="xs" c="dimmed">{t('factor.typeSecret')}</Text>
        <Code data-testid="totp-secret" style={{ overflowWrap: 'anywhere' }}>{enrolment.secret}</Code>
        <Text size="sm">{t('factor.enterCode')}</Text>
        <PinInput length={6} type="number" oneTimeCode value={code} onChange={setCode} aria-label={t('factor.code')} data-testid="totp-code" />
        {error ? <Alert color="red" variant="light" role="alert" data-testid="totp-error">{error}</Alert> : null}
        <Button type="submit" loading={busy} data-testid="totp-confirm">{t('factor.confirm')}</Button>
      </Stack>
    </form>
  );
}
