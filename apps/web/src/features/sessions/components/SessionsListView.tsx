import { Anchor, Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { SessionView } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { useOrdersReadyForSession, useSessions } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { StartSessionButton } from './StartSessionButton.tsx';

export const STATE_COLORS: Record<string, string> = { requested: 'gray', ringing: 'blue', connected: 'green', reconnecting: 'orange', ended: 'dark' };

export function SessionStateBadge({ state }: { state: string }) {
  const { t } = useTranslation();
  return <Badge color={STATE_COLORS[state] ?? 'gray'} variant="light" data-testid="session-state" data-state={state}>{t(`sessions.state.${state}`)}</Badge>;
}

/**
 * Live sessions of the office (open first), and for inspectors their booked remote orders with "start live session".
 */
export function SessionsListView({ consolePath, canConduct }: { consolePath: (id: string) => string; canConduct: boolean }) {
  const { t } = useTranslation();
  const open = useSessions({ state: 'open' });
  const all = useSessions({});
  const ready = useOrdersReadyForSession(canConduct);
  const openIds = new Set(open.data?.items.map((s) => s.orderId));
  const rows = (items: SessionView[], testId: string) => (
    <Table striped highlightOnHover data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('sessions.list.order')}</Table.Th>
          <Table.Th>{t('sessions.list.state')}</Table.Th>
          <Table.Th>{t('sessions.list.inspector')}</Table.Th>
          <Table.Th>{t('sessions.list.operator')}</Table.Th>
          <Table.Th>{t('sessions.list.opened')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((s) => (
          <Table.Tr key={s.id} data-testid="session-row" data-session-id={s.id}>
            <Table.Td><Anchor component={Link} to={consolePath(s.id)}>{s.orderNo}</Anchor></Table.Td>
            <Table.Td><SessionStateBadge state={s.state} /></Table.Td>
            <Table.Td>{s.inspectorName}</Table.Td>
            <Table.Td>{s.operatorName}</Table.Td>
            <Table.Td>{formatDateTime(s.createdAt)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
  return (
    <Stack>
      <PageHeader title={t('sessions.list.title')} testId="sessions-title" />
      {canConduct ? (
        <Card withBorder>
          <Title order={4} mb="xs">{t('sessions.list.ready')}</Title>
          {ready.isLoading ? <Loading /> : null}
          <ErrorAlert error={ready.error} />
          {ready.data && ready.data.length === 0 ? <Text c="dimmed" size="sm">{t('sessions.list.noneReady')}</Text> : null}
          <Stack gap="xs">
            {ready.data?.map((o) => (
              <Group key={o.id} justify="space-between" data-testid="ready-order" data-order-no={o.orderNo}>
                <Text size="sm">{o.orderNo} · {o.declarationNo} · {t(`sessions.orderState.${o.state === 'booked' ? 'booked' : 'inProgress'}`)}</Text>
                {openIds.has(o.id) ? null : <StartSessionButton orderId={o.id} consolePath={consolePath} />}
              </Group>
            ))}
          </Stack>
        </Card>
      ) : null}
      <Title order={4}>{t('sessions.list.open')}</Title>
      {open.isLoading ? <Loading /> : null}
      <ErrorAlert error={open.error} />
      {open.data ? (open.data.items.length ? rows(open.data.items, 'open-sessions') : <Text c="dimmed" size="sm">{t('sessions.list.noneOpen')}</Text>) : null}
      <Title order={4}>{t('sessions.list.recent')}</Title>
      {all.data ? rows(all.data.items.filter((s) => s.state === 'ended').slice(0, 50), 'ended-sessions') : null}
    </Stack>
  );
}
