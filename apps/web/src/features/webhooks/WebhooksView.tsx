import { useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Card, Checkbox, Code, Group, Modal, NativeSelect, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType, type WebhookSecret, type WebhookSubscription } from '@rvi/contracts';
import { ApiError } from '../../shared/api/client.ts';
import { ErrorAlert } from '../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../shared/ui/Loading.tsx';
import { PageHeader } from '../../shared/ui/PageHeader.tsx';
import { useAdminOrgs } from '../admin/api.ts';
import { useCreateWebhook, useRedeliver, useRotateWebhookSecret, useUpdateWebhook, useWebhookDeliveries, useWebhooks } from './api.ts';

const fieldErr = (err: unknown, f: string) => (err instanceof ApiError ? err.fieldErrors()[f] : undefined);
const STATUS_COLOR = { pending: 'yellow', delivered: 'green', failed: 'red' } as const;

function OrgSelect({ value, onChange, error }: { value: string; onChange(v: string): void; error?: string }) {
  const { t } = useTranslation();
  const orgs = useAdminOrgs();
  if (orgs.isPending) return <Loading />;
  return (
    <NativeSelect label={t('webhooks.org')} value={value} onChange={(e) => onChange(e.currentTarget.value)} error={error} data-testid="webhook-org"
      data={[{ value: '', label: '—' }, ...(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))]} />
  );
}

function CreateForm({ chooseOrg, onCreated }: { chooseOrg: boolean; onCreated(s: WebhookSecret): void }) {
  const { t } = useTranslation();
  const create = useCreateWebhook();
  const [orgId, setOrgId] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [description, setDescription] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({
      ...(chooseOrg && orgId ? { orgId } : {}), url: url.trim(), events: events as WebhookEventType[], ...(description.trim() ? { description: description.trim() } : {}),
    }, { onSuccess: onCreated });
  };
  return (
    <form onSubmit={submit} noValidate data-testid="webhook-form">
      <Stack gap="sm">
        {chooseOrg ? <OrgSelect value={orgId} onChange={setOrgId} error={fieldErr(create.error, 'orgId')} /> : null}
        <TextInput label={t('webhooks.url')} placeholder="https://…" value={url} onChange={(e) => setUrl(e.currentTarget.value)} required error={fieldErr(create.error, 'url')} data-testid="webhook-url" />
        <Checkbox.Group label={t('webhooks.events')} value={events} onChange={setEvents} error={fieldErr(create.error, 'events')}>
          <Stack gap={4} mt={4}>{WEBHOOK_EVENT_TYPES.map((e) => <Checkbox key={e} value={e} label={`${t(`webhooks.event.${e}`)} (${e})`} />)}</Stack>
        </Checkbox.Group>
        <TextInput label={t('webhooks.description')} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={fieldErr(create.error, 'description')} />
        <ErrorAlert error={create.error} />
        <Group justify="flex-end"><Button type="submit" loading={create.isPending} data-testid="webhook-create">{t('webhooks.create')}</Button></Group>
      </Stack>
    </form>
  );
}

function DeliveryLog({ sub }: { sub: WebhookSubscription }) {
  const { t } = useTranslation();
  const list = useWebhookDeliveries(sub.id);
  const redeliver = useRedeliver();
  const [open, setOpen] = useState<string | null>(null);
  if (list.isPending) return <Loading />;
  const items = list.data?.items ?? [];
  return (
    <Card withBorder padding={0} data-testid="webhook-deliveries">
      <Text fw={600} p="sm">{t('webhooks.log', { url: sub.url })}</Text>
      <ErrorAlert error={list.error ?? redeliver.error} />
      {items.length === 0 ? <Text c="dimmed" size="sm" p="sm">{t('webhooks.noDeliveries')}</Text> : (
        <Table striped>
          <Table.Thead><Table.Tr>
            <Table.Th>{t('webhooks.eventCol')}</Table.Th><Table.Th>{t('webhooks.status')}</Table.Th><Table.Th>{t('webhooks.attempts')}</Table.Th>
            <Table.Th>{t('webhooks.lastResult')}</Table.Th><Table.Th>{t('webhooks.latency')}</Table.Th><Table.Th>{t('webhooks.when')}</Table.Th><Table.Th />
          </Table.Tr></Table.Thead>
          <Table.Tbody>
            {items.map((d) => [
              <Table.Tr key={d.id} data-testid="webhook-delivery-row" data-status={d.status}>
                <Table.Td><Text size="sm">{t(`webhooks.event.${d.eventType}`)}</Text><Text size="xs" c="dimmed">{d.subjectId}</Text></Table.Td>
                <Table.Td><Badge color={STATUS_COLOR[d.status]}>{t(`webhooks.status_${d.status}`)}</Badge></Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" onClick={() => setOpen(open === d.id ? null : d.id)} data-testid="webhook-attempts-toggle">{d.attempts}</Button>
                </Table.Td>
                <Table.Td>{d.lastStatusCode ?? d.lastError ?? '—'}</Table.Td>
                <Table.Td>{d.lastDurationMs === null ? '—' : t('webhooks.ms', { ms: d.lastDurationMs })}</Table.Td>
                <Table.Td>{new Date(d.deliveredAt ?? d.nextAttemptAt ?? d.createdAt).toLocaleString()}</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="light" loading={redeliver.isPending && redeliver.variables === d.id} onClick={() => redeliver.mutate(d.id)} data-testid="webhook-redeliver">
                    {t('webhooks.redeliver')}
                  </Button>
                </Table.Td>
              </Table.Tr>,
              open === d.id ? (
                <Table.Tr key={`${d.id}-log`}>
                  <Table.Td colSpan={7}>
                    <Stack gap={2} data-testid="webhook-attempts">
                      {d.log.map((a) => (
                        <Text key={a.attempt} size="xs">
                          {t('webhooks.attemptLine', { n: a.attempt, at: new Date(a.at).toLocaleString(), result: a.statusCode ?? a.error ?? '—', ms: a.durationMs })}
                        </Text>
                      ))}
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              ) : null,
            ])}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

/**
 * Webhook endpoints (issue 19.4): an administrator configures those of the office and of its enterprises, an
 * enterprise user its own; the secret is shown once; pause/resume, rotate; the delivery log with manual redelivery.
 */
export function WebhooksView({ chooseOrg }: { chooseOrg: boolean }) {
  const { t } = useTranslation();
  const list = useWebhooks();
  const update = useUpdateWebhook();
  const rotate = useRotateWebhookSecret();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<WebhookSecret | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const subs = list.data?.items ?? [];
  const current = subs.find((s) => s.id === selected) ?? null;
  return (
    <Stack>
      <PageHeader title={t('webhooks.title')} actions={<Button onClick={() => setCreating(true)} data-testid="webhook-new">{t('webhooks.new')}</Button>} />
      <Text c="dimmed" size="sm">{t('webhooks.intro')}</Text>
      {secret ? (
        <Alert color="yellow" title={t('webhooks.secretTitle')} withCloseButton onClose={() => setSecret(null)} data-testid="webhook-secret">
          <Text size="sm">{t('webhooks.secretOnce')}</Text>
          <Code block>{secret.secret}</Code>
        </Alert>
      ) : null}
      <ErrorAlert error={list.error ?? update.error ?? rotate.error} />
      {list.isPending ? <Loading /> : subs.length === 0 ? <Text c="dimmed">{t('webhooks.none')}</Text> : (
        <Card withBorder padding={0}>
          <Table striped highlightOnHover>
            <Table.Thead><Table.Tr>
              <Table.Th>{t('webhooks.url')}</Table.Th><Table.Th>{t('webhooks.org')}</Table.Th><Table.Th>{t('webhooks.events')}</Table.Th>
              <Table.Th>{t('webhooks.queue')}</Table.Th><Table.Th>{t('webhooks.active')}</Table.Th><Table.Th />
            </Table.Tr></Table.Thead>
            <Table.Tbody>
              {subs.map((s) => (
                <Table.Tr key={s.id} data-testid="webhook-row" bg={s.id === selected ? 'var(--mantine-color-blue-light)' : undefined}>
                  <Table.Td><Text size="sm" style={{ wordBreak: 'break-all' }}>{s.url}</Text>{s.description ? <Text size="xs" c="dimmed">{s.description}</Text> : null}</Table.Td>
                  <Table.Td>{s.orgCode}</Table.Td>
                  <Table.Td><Text size="xs">{s.events.map((e) => t(`webhooks.event.${e}`)).join(', ')}</Text></Table.Td>
                  <Table.Td><Text size="xs">{t('webhooks.queueLine', { pending: s.pending, failed: s.failed })}</Text></Table.Td>
                  <Table.Td>
                    <Switch checked={s.active} aria-label={t('webhooks.active')} onChange={(e) => update.mutate({ id: s.id, body: { active: e.currentTarget.checked } })} data-testid="webhook-active" />
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" variant="light" onClick={() => setSelected(s.id === selected ? null : s.id)} data-testid="webhook-show-log">{t('webhooks.showLog')}</Button>
                      <Button size="xs" variant="light" color="orange" onClick={() => { if (window.confirm(t('webhooks.rotateConfirm'))) rotate.mutate(s.id, { onSuccess: setSecret }); }}>
                        {t('webhooks.rotate')}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      {current ? <DeliveryLog sub={current} /> : null}
      <Modal opened={creating} onClose={() => setCreating(false)} title={t('webhooks.new')} size="lg">
        {creating ? <CreateForm chooseOrg={chooseOrg} onCreated={(s) => { setCreating(false); setSecret(s); setSelected(s.subscription.id); }} /> : null}
      </Modal>
    </Stack>
  );
}
