import { Anchor, Card, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { useOrders } from '../api.ts';
import { AppointmentText, ModeBadge, OrderStateBadge } from './OrderBadges.tsx';

/** Inspector's inbox: the orders assigned to me, arrived inspect-on-arrival goods first (the server's queue order). */
export function InboxView() {
  const { t } = useTranslation();
  const q = useOrders({ mine: true });
  const items = (q.data?.items ?? []).filter((o) => !['closed', 'cancelled'].includes(o.state));
  return (
    <>
      <PageHeader title={t('orders.inbox.title')} testId="page-title" />
      <ErrorAlert error={q.error} />
      {q.isPending ? <Loading /> : null}
      {!q.isPending && items.length === 0 ? <Text c="dimmed">{t('orders.inbox.empty')}</Text> : null}
      {items.length ? (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={760}>
            <Table striped verticalSpacing={6} fz="sm" data-testid="inbox">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('orders.fields.orderNo')}</Table.Th>
                  <Table.Th>{t('fields.declarationNo')}</Table.Th>
                  <Table.Th>{t('fields.organisation')}</Table.Th>
                  <Table.Th>{t('fields.status')}</Table.Th>
                  <Table.Th>{t('orders.fields.mode')}</Table.Th>
                  <Table.Th>{t('orders.fields.appointment')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((o) => (
                  <Table.Tr key={o.id} data-testid="inbox-order" data-order-id={o.id} data-state={o.state}>
                    <Table.Td>
                      <Stack gap={0}>
                        <Anchor component={Link} to={`/customs/orders/${encodeURIComponent(o.id)}`} data-testid="inbox-open">{o.orderNo}</Anchor>
                        {o.inspectOnArrival && o.goodsArrivedAt ? <Text size="xs" c="red">{t('orders.arrived')}</Text> : null}
                      </Stack>
                    </Table.Td>
                    <Table.Td>{o.declarationNo}</Table.Td>
                    <Table.Td>{o.enterpriseName}</Table.Td>
                    <Table.Td><OrderStateBadge state={o.state} /></Table.Td>
                    <Table.Td><ModeBadge mode={o.mode} /></Table.Td>
                    <Table.Td>{o.appointment ? <AppointmentText a={o.appointment} /> : <Group gap={4}><Text size="xs" c="dimmed">{t('orders.dueOn', { date: o.assignedDate ?? o.dueDate })}</Text></Group>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      ) : null}
    </>
  );
}
