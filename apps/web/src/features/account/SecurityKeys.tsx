// Security keys and passkeys (WebAuthn, issue 19.2): register one as a second factor, give one at login or for a
// step-up, remove one. The browser side is @simplewebauthn/browser; the server checks every answer.
import { useState } from 'react';
import { Alert, Button, Code, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { browserSupportsWebAuthn, startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import type { SecurityKeyList, SecurityKeyRegistered, WebauthnOptions } from '@rvi/contracts';
import { api, ApiError } from '../../shared/api/client.ts';
import { ME_KEY } from '../../app/session.tsx';
import { factorErrorText } from './TotpSetup.tsx';

const KEYS = ['auth', 'webauthn', 'keys'] as const;

function keyErrorText(err: unknown, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (err instanceof ApiError) return err.code === 'webauthn_refused' ? t('securityKey.refused') : factorErrorText(err, t);
  // the browser's own refusal (the person cancelled, the key timed out, no key for this site)
  if (err instanceof Error && (err.name === 'NotAllowedError' || err.name === 'AbortError')) return t('securityKey.cancelled');
  return t('securityKey.failed');
}

/** "Use a security key": at login (pending) and in the step-up dialog. */
export function SecurityKeyButton({ onVerified }: { onVerified?: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!browserSupportsWebAuthn()) return null;
  const use = async () => {
    setBusy(true);
    setError(null);
    try {
      const { options } = await api<WebauthnOptions>('/api/auth/webauthn/authenticate/options', { json: {} });
      const response = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
      await api('/api/auth/webauthn/authenticate', { json: { response } });
      await qc.invalidateQueries({ queryKey: ME_KEY });
      onVerified?.();
    } catch (err) {
      setError(keyErrorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap={4}>
      <Button variant="light" loading={busy} onClick={() => void use()} data-testid="security-key-use">{t('securityKey.use')}</Button>
      {error ? <Alert color="red" variant="light" role="alert" data-testid="security-key-error">{error}</Alert> : null}
    </Stack>
  );
}

/** Register a key (also how a supervisor or administrator without a factor can set one up). */
export function SecurityKeyRegister({ onDone }: { onDone?: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  if (!browserSupportsWebAuthn()) return <Text size="sm" c="dimmed">{t('securityKey.unsupported')}</Text>;
  const register = async () => {
    if (!name.trim()) return setError(t('securityKey.nameRequired'));
    setBusy(true);
    setError(null);
    try {
      const { options } = await api<WebauthnOptions>('/api/auth/webauthn/register/options', { json: {} });
      const response = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
      const out = await api<SecurityKeyRegistered>('/api/auth/webauthn/register', { json: { name: name.trim(), response } });
      setName('');
      await qc.invalidateQueries({ queryKey: KEYS });
      if (out.recoveryCodes.length) setCodes(out.recoveryCodes);
      else { await qc.invalidateQueries({ queryKey: ME_KEY }); onDone?.(); }
    } catch (err) {
      setError(keyErrorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  if (codes) {
    return (
      <Stack gap="sm" data-testid="security-key-recovery">
        <Alert color="yellow" variant="light" title={t('securityKey.recoveryTitle')}>{t('securityKey.recoveryOnce')}</Alert>
        <Code block>{codes.join('\n')}</Code>
        <Button onClick={() => { setCodes(null); void qc.invalidateQueries({ queryKey: ME_KEY }); onDone?.(); }} data-testid="security-key-recovery-done">{t('securityKey.savedCodes')}</Button>
      </Stack>
    );
  }
  return (
    <Stack gap="sm">
      <Group align="flex-end" wrap="nowrap">
        <TextInput label={t('securityKey.name')} placeholder={t('securityKey.namePlaceholder')} value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={60} style={{ flex: 1 }} data-testid="security-key-name" />
        <Button loading={busy} onClick={() => void register()} data-testid="security-key-register">{t('securityKey.register')}</Button>
      </Group>
      {error ? <Alert color="red" variant="light" role="alert" data-testid="security-key-error">{error}</Alert> : null}
    </Stack>
  );
}

/** The security page's panel: the keys registered, add one, remove one. */
export function SecurityKeysPanel() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const keys = useQuery({ queryKey: KEYS, queryFn: ({ signal }) => api<SecurityKeyList>('/api/auth/webauthn/keys', { signal }) });
  const [error, setError] = useState<string | null>(null);
  const remove = async (id: string) => {
    setError(null);
    try {
      await api(`/api/auth/webauthn/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
      await qc.invalidateQueries({ queryKey: KEYS });
      await qc.invalidateQueries({ queryKey: ME_KEY });
    } catch (err) {
      setError(keyErrorText(err, t));
    }
  };
  const items = keys.data?.items ?? [];
  return (
    <Stack gap="sm" data-testid="security-keys">
      <Text fw={600}>{t('securityKey.title')}</Text>
      <Text size="sm" c="dimmed">{t('securityKey.intro')}</Text>
      {items.length ? (
        <Table>
          <Table.Tbody>
            {items.map((k) => (
              <Table.Tr key={k.id} data-testid="security-key-row">
                <Table.Td>{k.name}</Table.Td>
                <Table.Td><Text size="xs" c="dimmed">{k.lastUsedAt ? t('securityKey.lastUsed', { at: new Date(k.lastUsedAt).toLocaleString() }) : t('securityKey.neverUsed')}</Text></Table.Td>
                <Table.Td><Button size="xs" variant="subtle" color="red" onClick={() => void remove(k.id)}>{t('securityKey.remove')}</Button></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {error ? <Alert color="red" variant="light" role="alert">{error}</Alert> : null}
      <SecurityKeyRegister />
    </Stack>
  );
}
