import { useState } from 'react';
import { Alert, Button, Card, Group, NativeSelect, Radio, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { InspectionOrder, OrderSortField, Slot } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { ListPager } from '../../../shared/ui/ListControls.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatNumber } from '../../../shared/format.ts';
import { useBook, useFreeSlots, useOperators, useOrder, useOrders, useReschedule } from '../api.ts';
import { inspectionsQuery, ORDER_PAGE_SIZES, pageCount } from '../list-state.ts';
import { AppointmentText, ModeBadge, OrderStateBadge } from './OrderBadges.tsx';
import { OrderListFilters, useOrderListState } from './OrderListFilters.tsx';

const slotLabel = (s: Slot) => `${s.localDate} ${s.localStart}–${s.localEnd}`;

/** The sorts an enterprise chooses from (column and direction); the first is the server's default. */
const ENTERPRISE_SORTS: [OrderSortField, 'asc' | 'desc'][] = [
  ['createdAt', 'desc'], ['createdAt', 'asc'], ['appointment', 'asc'], ['date', 'asc'], ['declarationNo', 'asc'], ['state', 'asc'],
];

/**
 * Enterprise: goods of ours selected for inspection (never why, never a score), searched, filtered, sorted and paged
 * by the server (state in the URL); the slots customs offer, accept one or propose another (free in the inspector's
 * calendar and the office's hours), name the on-site operator. An order a notification points at (?order=) is shown
 * first even when it is on another page.
 */
export function InspectionsView() {
  const { t } = useTranslation();
  const [s, update] = useOrderListState();
  const phone = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  const [params] = useSearchParams();
  const focus = params.get('order');
  const q = useOrders(inspectionsQuery(s));
  const data = q.data;
  const items = data?.items ?? [];
  const pinned = useOrder(focus ?? '', !!focus && !!data && !items.some((o) => o.id === focus));
  const filtered = !!(s.q.trim() || s.state || s.mode);
  const sortValue = s.sort ? `${s.sort}:${s.order}` : 'createdAt:desc';
  return (
    <>
      <PageHeader title={t('orders.inspections.title')} testId="page-title" />
      <Text size="sm" c="dimmed" mb="md">{t('orders.inspections.intro')}</Text>
      <OrderListFilters value={s} onChange={update} placeholder={t('orders.list.searchPlaceholderEnterprise')}>
        <NativeSelect
          label={t('list.sort')}
          value={sortValue}
          onChange={(e) => {
            const [sort, order] = e.currentTarget.value.split(':') as [OrderSortField, 'asc' | 'desc'];
            update(sort === 'createdAt' && order === 'desc' ? { sort: '', order: 'asc' } : { sort, order });
          }}
          data={ENTERPRISE_SORTS.map(([f, o]) => ({ value: `${f}:${o}`, label: t(`orders.list.sorts.${f}_${o}`) }))}
          data-testid="list-sort"
        />
      </OrderListFilters>
      <ErrorAlert error={q.error} />
      {q.isPending ? <Loading /> : null}
      {data ? (
        <Group justify="space-between" mb="xs">
          <Text size="sm" c="dimmed" data-testid="list-total" data-total={data.total} aria-live="polite">{t('list.total', { total: formatNumber(data.total) })}</Text>
          {q.isFetching ? <Text size="xs" c="dimmed">{t('common.refreshing')}</Text> : null}
        </Group>
      ) : null}
      {data && items.length === 0 ? <Text c="dimmed" data-testid="inspections-empty">{filtered ? t('orders.list.emptyFiltered') : t('orders.inspections.empty')}</Text> : null}
      <Stack gap="md">
        {pinned.data && !items.some((o) => o.id === pinned.data.id) ? <InspectionCard order={pinned.data} focused /> : null}
        {items.map((o) => <InspectionCard key={o.id} order={o} focused={o.id === focus} />)}
      </Stack>
      {data ? (
        <ListPager page={s.page} pages={pageCount(data.total, s.limit)} limit={s.limit} sizes={ORDER_PAGE_SIZES} onPage={(page) => update({ page })} onLimit={(limit) => update({ limit })} compact={phone} />
      ) : null}
    </>
  );
}

function InspectionCard({ order: o, focused }: { order: InspectionOrder; focused: boolean }) {
  const { t } = useTranslation();
  return (
    <Card withBorder data-testid="inspection" data-order-id={o.id} data-state={o.state} style={focused ? { borderColor: 'var(--mantine-color-blue-filled)' } : undefined}>
      <Group justify="space-between" wrap="wrap" mb="xs">
        <Title order={3} fz="md">{t('orders.inspections.card', { declarationNo: o.declarationNo, orderNo: o.orderNo })}</Title>
        <Group gap={6}><OrderStateBadge state={o.state} /><ModeBadge mode={o.mode} /></Group>
      </Group>
      {o.appointment ? (
        <Alert variant="light" color={o.appointment.status === 'missed' ? 'red' : 'teal'} mb="xs" data-testid="inspection-appointment">
          {t(`orders.appointment.${o.appointment.kind}`)}: <AppointmentText a={o.appointment} />
          {o.appointment.operatorName ? ` · ${t('orders.appointment.operator', { name: o.appointment.operatorName })}` : ''}
          {o.appointment.location ? ` · ${o.appointment.location}` : ''}
        </Alert>
      ) : !o.can.book ? <Text size="sm" c="dimmed">{t(`orders.inspections.status.${o.state}`, { defaultValue: t('orders.inspections.status.other') })}</Text> : null}
      {o.can.book ? <BookingForm order={o} /> : null}
      {o.can.reschedule ? <RescheduleForm order={o} /> : null}
    </Card>
  );
}

function BookingForm({ order }: { order: InspectionOrder }) {
  const { t } = useTranslation();
  const operators = useOperators();
  const book = useBook();
  const [operator, setOperator] = useState('');
  const [choice, setChoice] = useState('');
  const [proposing, setProposing] = useState(false);
  const [day, setDay] = useState('');
  const free = useFreeSlots(order.id, day, operator, proposing);
  const ops = operators.data?.items ?? [];
  const operatorId = operator || ops[0]?.id || '';
  const slots = proposing ? free.data?.items ?? [] : order.proposedSlots;
  const chosen = slots.find((s) => s.start === choice);
  return (
    <form
      data-testid="booking-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (chosen && operatorId) book.mutate({ id: order.id, start: chosen.start, end: chosen.end, operatorUserId: operatorId });
      }}
    >
      <Stack gap="sm">
        <NativeSelect
          label={t('orders.booking.operator')}
          description={t('orders.booking.operatorHelp')}
          value={operatorId}
          onChange={(e) => setOperator(e.currentTarget.value)}
          data={ops.map((u) => ({ value: u.id, label: `${u.name} (${t(`roles.${u.role}`)})` }))}
          data-testid="booking-operator"
        />
        <Group gap="xs">
          <Button size="compact-sm" variant={proposing ? 'default' : 'light'} onClick={() => { setProposing(false); setChoice(''); }} data-testid="booking-offered">{t('orders.booking.offered')}</Button>
          <Button size="compact-sm" variant={proposing ? 'light' : 'default'} onClick={() => { setProposing(true); setChoice(''); }} data-testid="booking-propose">{t('orders.booking.propose')}</Button>
        </Group>
        {proposing ? (
          <TextInput type="date" label={t('orders.booking.day')} value={day} onChange={(e) => setDay(e.currentTarget.value)} data-testid="booking-day" />
        ) : null}
        {proposing && free.isFetching ? <Loading /> : null}
        <Radio.Group value={choice} onChange={setChoice} label={proposing ? t('orders.booking.freeSlots', { zone: free.data?.timeZone ?? '' }) : t('orders.booking.offeredSlots')}>
          <Stack gap={4} mt={4} data-testid="booking-slots">
            {slots.map((s) => <Radio key={s.start} value={s.start} label={slotLabel(s)} data-testid="booking-slot" />)}
            {slots.length === 0 && (!proposing || (day && !free.isFetching)) ? <Text size="sm" c="dimmed">{t('orders.booking.noSlots')}</Text> : null}
          </Stack>
        </Radio.Group>
        <ErrorAlert error={book.error ?? free.error} />
        <Group justify="flex-end">
          <Button type="submit" disabled={!chosen || !operatorId} loading={book.isPending} data-testid="booking-submit">
            {proposing ? t('orders.booking.submitProposal') : t('orders.booking.accept')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function RescheduleForm({ order }: { order: InspectionOrder }) {
  const { t } = useTranslation();
  const move = useReschedule();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  if (!open) return <Button size="compact-sm" variant="subtle" onClick={() => setOpen(true)} data-testid="reschedule-open">{t('orders.booking.move')}</Button>;
  return (
    <form onSubmit={(e) => { e.preventDefault(); move.mutate({ id: order.id, reason: reason.trim() }); }}>
      <Stack gap="xs">
        <Textarea label={t('orders.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} required minLength={3} />
        <ErrorAlert error={move.error} />
        <Group justify="flex-end">
          <Button variant="default" size="compact-sm" onClick={() => setOpen(false)}>{t('common.cancel')}</Button>
          <Button type="submit" size="compact-sm" disabled={reason.trim().length < 3} loading={move.isPending}>{t('orders.booking.move')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
