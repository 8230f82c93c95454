import { Anchor, Card, Group, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ORDER_STATES, type OrderSortField } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { ListPager, SortableTh } from '../../../shared/ui/ListControls.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatNumber } from '../../../shared/format.ts';
import { useOrders } from '../api.ts';
import { inboxQuery, nextSort, ORDER_PAGE_SIZES, pageCount } from '../list-state.ts';
import { AppointmentText, ModeBadge, OrderStateBadge } from './OrderBadges.tsx';
import { OrderListFilters, useOrderListState } from './OrderListFilters.tsx';

const OPEN_STATES = ORDER_STATES.filter((s) => s !== 'closed' && s !== 'cancelled');

/**
 * Inspector's inbox: the orders assigned to me that are still open, searched, filtered, sorted and paged by the
 * server (default: the queue, arrived inspect-on-arrival goods first); the list's state is in the URL.
 */
export function InboxView() {
  const { t } = useTranslation();
  const [s, update] = useOrderListState();
  const phone = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  const q = useOrders(inboxQuery(s));
  const data = q.data;
  const items = data?.items ?? [];
  const filtered = !!(s.q.trim() || s.state || s.mode);
  const sortProps = { sort: s.sort, order: s.sort ? s.order : 'asc' as const, onSort: (f: OrderSortField) => update(nextSort(s, f)), defaultSort: 'queue' as const };
  return (
    <>
      <PageHeader title={t('orders.inbox.title')} testId="page-title" />
      <OrderListFilters value={s} onChange={update} states={OPEN_STATES} placeholder={t('orders.list.searchPlaceholder')} />
      <ErrorAlert error={q.error} />
      {q.isPending ? <Loading /> : null}
      {data ? (
        <Group justify="space-between" mb="xs">
          <Text size="sm" c="dimmed" data-testid="list-total" data-total={data.total} aria-live="polite">{t('list.total', { total: formatNumber(data.total) })}</Text>
          {q.isFetching ? <Text size="xs" c="dimmed">{t('common.refreshing')}</Text> : null}
        </Group>
      ) : null}
      {data && items.length === 0 ? <Text c="dimmed" data-testid="inbox-empty">{filtered ? t('orders.list.emptyFiltered') : t('orders.inbox.empty')}</Text> : null}
      {items.length ? (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={760}>
            <Table striped verticalSpacing={6} fz="sm" data-testid="inbox">
              <Table.Thead>
                <Table.Tr>
                  <SortableTh field="orderNo" label={t('orders.fields.orderNo')} name={t('orders.fields.orderNo')} {...sortProps} />
                  <SortableTh field="declarationNo" label={t('fields.declarationNo')} name={t('fields.declarationNo')} {...sortProps} />
                  <SortableTh field="enterprise" label={t('fields.organisation')} name={t('fields.organisation')} {...sortProps} />
                  <SortableTh field="state" label={t('fields.status')} name={t('fields.status')} {...sortProps} />
                  <SortableTh field="mode" label={t('orders.fields.mode')} name={t('orders.fields.mode')} {...sortProps} />
                  <SortableTh field="appointment" label={t('orders.fields.appointment')} name={t('orders.fields.appointment')} {...sortProps} />
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
                    <Table.Td data-testid="inbox-declaration">{o.declarationNo}</Table.Td>
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
      {data ? (
        <ListPager page={s.page} pages={pageCount(data.total, s.limit)} limit={s.limit} sizes={ORDER_PAGE_SIZES} onPage={(page) => update({ page })} onLimit={(limit) => update({ limit })} compact={phone} />
      ) : null}
    </>
  );
}
