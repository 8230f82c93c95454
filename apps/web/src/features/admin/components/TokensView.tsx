import { useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Card, Code, Group, Modal, NativeSelect, NumberInput, Stack, Table, Text, TextInput, Checkbox } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ApiTokenSecret, Role } from '@rvi/contracts';
import { ApiError } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { useAdminOrgs, useApiTokens, useApiTokenScopes, useCreateApiToken, useRevokeApiToken, useRotateApiToken } from '../api.ts';

const fieldErr = (err: unknown, f: string) => (err instanceof ApiError ? err.fieldErrors()[f] : undefined);

function CreateForm({ onCreated }: { onCreated(s: ApiTokenSecret): void }) {
  const { t } = useTranslation();
  const orgs = useAdminOrgs();
  const scopes = useApiTokenScopes();
  const create = useCreateApiToken();
  const [orgId, setOrgId] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [days, setDays] = useState<number | string>(90);
  const [rate, setRate] = useState<number | string>(600);
  const org = orgs.data?.items.find((o) => o.id === orgId) ?? orgs.data?.items[0];
  const roles = org?.kind === 'customs_office' ? ['inspector', 'supervisor', 'administrator', 'auditor'] : ['enterprise_user', 'onsite_operator'];
  const r = roles.includes(role) ? role : roles[0];
  const available = scopes.data?.roles[r] ?? [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!org) return;
    create.mutate({
      orgId: org.id, name: name.trim(), role: r as Role, scopes: picked.filter((s) => available.includes(s)),
      expiresInDays: Number(days) || undefined, rateLimitPerMinute: Number(rate) || undefined,
    }, { onSuccess: onCreated });
  };
  if (orgs.isPending || scopes.isPending) return <Loading />;
  return (
    <form onSubmit={submit} noValidate data-testid="token-form">
      <Stack gap="sm">
        <NativeSelect label={t('admin.tokens.org')} value={org?.id ?? ''} onChange={(e) => setOrgId(e.currentTarget.value)}
          data={(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))} error={fieldErr(create.error, 'orgId')} />
        <TextInput label={t('admin.tokens.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} required error={fieldErr(create.error, 'name')} />
        <NativeSelect label={t('admin.tokens.role')} value={r} onChange={(e) => setRole(e.currentTarget.value)} data={roles} error={fieldErr(create.error, 'role')} />
        <Checkbox.Group label={t('admin.tokens.scopes')} value={picked} onChange={setPicked} error={fieldErr(create.error, 'scopes')}>
          <Group gap="xs" mt={4}>{available.map((s) => <Checkbox key={s} value={s} label={s} />)}</Group>
        </Checkbox.Group>
        <Group grow>
          <NumberInput label={t('admin.tokens.days')} value={days} onChange={setDays} min={1} max={730} error={fieldErr(create.error, 'expiresInDays')} />
          <NumberInput label={t('admin.tokens.rate')} value={rate} onChange={setRate} min={1} max={100000} error={fieldErr(create.error, 'rateLimitPerMinute')} />
        </Group>
        <ErrorAlert error={create.error} />
        <Group justify="flex-end"><Button type="submit" loading={create.isPending}>{t('admin.tokens.create')}</Button></Group>
      </Stack>
    </form>
  );
}

/** API tokens of every organisation (issue 19): create (secret shown once), rotate, revoke; last use. */
export function TokensView() {
  const { t } = useTranslation();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const list = useApiTokens(includeRevoked);
  const rotate = useRotateApiToken();
  const revoke = useRevokeApiToken();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<ApiTokenSecret | null>(null);
  return (
    <Stack>
      <PageHeader title={t('admin.tokens.title')} />
      <Text c="dimmed" size="sm">{t('admin.tokens.intro')}</Text>
      <Group justify="space-between">
        <Checkbox label={t('admin.tokens.includeRevoked')} checked={includeRevoked} onChange={(e) => setIncludeRevoked(e.currentTarget.checked)} />
        <Button onClick={() => setCreating(true)} data-testid="token-new">{t('admin.tokens.new')}</Button>
      </Group>
      {secret ? (
        <Alert color="yellow" title={t('admin.tokens.secretTitle')} withCloseButton onClose={() => setSecret(null)} data-testid="token-secret">
          <Text size="sm">{t('admin.tokens.secretOnce')}</Text>
          <Code block>{secret.secret}</Code>
        </Alert>
      ) : null}
      <ErrorAlert error={list.error ?? rotate.error ?? revoke.error} />
      {list.isPending ? <Loading /> : (
        <Card withBorder padding={0}>
          <Table striped>
            <Table.Thead><Table.Tr>
              <Table.Th>{t('admin.tokens.name')}</Table.Th><Table.Th>{t('admin.tokens.org')}</Table.Th><Table.Th>{t('admin.tokens.scopes')}</Table.Th>
              <Table.Th>{t('admin.tokens.status')}</Table.Th><Table.Th>{t('admin.tokens.expires')}</Table.Th><Table.Th>{t('admin.tokens.lastUsed')}</Table.Th><Table.Th />
            </Table.Tr></Table.Thead>
            <Table.Tbody>
              {(list.data?.items ?? []).map((x) => (
                <Table.Tr key={x.id} data-testid="token-row">
                  <Table.Td>{x.name}<Text size="xs" c="dimmed">{x.prefix}…</Text></Table.Td>
                  <Table.Td>{x.orgCode}<Text size="xs" c="dimmed">{x.role}</Text></Table.Td>
                  <Table.Td><Text size="xs">{x.scopes.join(', ')}</Text></Table.Td>
                  <Table.Td><Badge color={x.status === 'active' ? 'green' : 'gray'}>{t(`admin.tokens.status_${x.status}`)}</Badge></Table.Td>
                  <Table.Td>{new Date(x.expiresAt).toLocaleDateString()}</Table.Td>
                  <Table.Td>{x.lastUsedAt ? new Date(x.lastUsedAt).toLocaleString() : t('admin.tokens.never')}</Table.Td>
                  <Table.Td>
                    {x.status === 'active' ? (
                      <Group gap="xs" wrap="nowrap">
                        <Button size="xs" variant="light" onClick={() => rotate.mutate(x.id, { onSuccess: setSecret })}>{t('admin.tokens.rotate')}</Button>
                        <Button size="xs" variant="light" color="red" onClick={() => { if (window.confirm(t('admin.tokens.revokeConfirm'))) revoke.mutate(x.id); }}>{t('admin.tokens.revoke')}</Button>
                      </Group>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title={t('admin.tokens.new')} size="lg">
        {creating ? <CreateForm onCreated={(s) => { setCreating(false); setSecret(s); }} /> : null}
      </Modal>
    </Stack>
  );
}
