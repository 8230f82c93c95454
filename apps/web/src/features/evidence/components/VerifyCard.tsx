import { useEffect, useState } from 'react';
import { Card, Code, List, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { KeyList } from '@rvi/contracts';
import { api } from '../../../shared/api/client.ts';
import { formatDateTime } from '../../../shared/format.ts';

/** SHA-256 of the raw public key, hex in groups of four: the same fingerprint the case report prints. */
async function fingerprint(publicKeyBase64: string): Promise<string> {
  const raw = Uint8Array.from(atob(publicKeyBase64), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', raw));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('').replace(/(.{4})(?!$)/g, '$1 ');
}

/** The signing keys' fingerprints and the steps to verify a case's evidence package offline. */
export function VerifyCard() {
  const { t } = useTranslation();
  const keys = useQuery({ queryKey: ['evidence', 'keys'], queryFn: ({ signal }) => api<KeyList>('/api/keys', { signal }), staleTime: 60_000 });
  const [prints, setPrints] = useState<Record<string, string>>({});
  useEffect(() => {
    const list = keys.data?.keys ?? [];
    void Promise.all(list.map(async (k) => [k.keyId, await fingerprint(k.publicKey)] as const)).then((e) => setPrints(Object.fromEntries(e)));
  }, [keys.data]);
  return (
    <Card withBorder mb="md" data-testid="verify-card">
      <Title order={3} fz="md" mb="xs">{t('evidence.verify.title')}</Title>
      <Stack gap={4} mb="sm">
        <Text size="sm" fw={500}>{t('evidence.verify.keys')}</Text>
        {(keys.data?.keys ?? []).map((k) => (
          <Stack key={k.keyId} gap={0} data-testid="verify-key" data-key-id={k.keyId}>
            <Text size="sm">{k.keyId}{k.keyId === keys.data?.activeKeyId ? ` · ${t('evidence.verify.active')}` : ''}{k.retiredAt ? ` · ${t('evidence.verify.retired', { at: formatDateTime(k.retiredAt) })}` : ''}</Text>
            <Text size="xs" c="dimmed">{t('evidence.verify.fingerprint')}</Text>
            <Code data-testid="key-fingerprint">{prints[k.keyId] ?? '…'}</Code>
          </Stack>
        ))}
      </Stack>
      <List type="ordered" size="sm" spacing={4}>
        <List.Item>{t('evidence.verify.step1')}</List.Item>
        <List.Item>{t('evidence.verify.step2')}</List.Item>
        <List.Item>{t('evidence.verify.step3')} <Code>rvi evidence verify evidence.zip --key keys.json</Code></List.Item>
        <List.Item>{t('evidence.verify.step4')}</List.Item>
      </List>
    </Card>
  );
}
