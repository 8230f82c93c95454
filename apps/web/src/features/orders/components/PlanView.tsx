import { useState } from 'react';
import { ActionIcon, Alert, Anchor, Badge, Button, Card, Group, Modal, NumberInput, Popover, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { InspectionOrder, OrderSortField } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { ListPager, SortableTh } from '../../../shared/ui/ListControls.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime, formatNumber } from '../../../shared/format.ts';
import { nextSort, ORDER_PAGE_SIZES, pageCount, planQuery } from '../list-state.ts';
import { OrderListFilters, useOrderListState } from './OrderListFilters.tsx';
import { useAcceptApplication, useApplications, useCheckMissed, useInspectors, usePlan, useRunDispatch, useSaveCapacity } from '../api.ts';
import { AssignDialog, UnassignedText } from './AssignDialog.tsx';
import { DispatchSettingsCard } from './DispatchSettingsCard.tsx';
import { ModeBadge, OrderStateBadge } from './OrderBadges.tsx';

const orderPath = (id: string) => `/customs/orders/${encodeURIComponent(id)}`;

/**
 * Supervisor's plan for a day or a week: counts by state and mode, load per inspector and day, the orders (with the
 * reason when one could not be assigned) searched, filtered, sorted and paged by the server, "run dispatch",
 * "reassign", and enterprises' applications to accept. The day, range and list state are in the URL.
 */
export function PlanView({ can }: { can: Record<string, boolean> }) {
  const { t } = useTranslation();
  const [s, update] = useOrderListState();
  const from = s.from;
  const plan = usePlan(planQuery(s));
  const run = useRunDispatch();
  const missed = useCheckMissed();
  const apps = useApplications(!!can['order.plan']);
  const accept = useAcceptApplication();
  const [assigning, setAssigning] = useState<InspectionOrder | null>(null);
  const p = plan.data;
  const sortProps = { sort: s.sort, order: s.sort ? s.order : 'asc' as const, onSort: (f: OrderSortField) => update(nextSort(s, f)), defaultSort: 'queue' as const };
  const filtered = !!(s.q.trim() || s.state || s.mode || s.unassigned);

  return (
    <>
      <PageHeader
        title={t('orders.plan.title')}
        testId="page-title"
        actions={can['order.dispatch'] ? (
          <>
            <Button variant="default" onClick={() => missed.mutate()} loading={missed.isPending} data-testid="check-missed">{t('orders.plan.checkMissed')}</Button>
            <Button onClick={() => run.mutate(from || undefined)} loading={run.isPending} data-testid="run-dispatch">{t('orders.plan.runDispatch')}</Button>
          </>
        ) : null}
      />
      <Stack gap="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <TextInput type="date" label={t('orders.plan.from')} value={from || p?.from || ''} onChange={(e) => update({ from: e.currentTarget.value })} data-testid="plan-from" />
          <SegmentedControl value={String(s.days)} onChange={(v) => update({ days: v === '7' ? 7 : 1 })} data={[{ value: '1', label: t('orders.plan.day') }, { value: '7', label: t('orders.plan.week') }]} data-testid="plan-range" />
        </Group>
        <ErrorAlert error={run.error ?? missed.error ?? plan.error} />
        {run.data ? (
          <Alert color={run.data.summary.unassigned ? 'yellow' : 'green'} variant="light" data-testid="dispatch-result" data-assigned={run.data.summary.assigned}>
            {t('orders.plan.dispatchResult', { assigned: run.data.summary.assigned, unassigned: run.data.summary.unassigned })}{' '}
            <Text span size="xs" c="dimmed">{t('orders.plan.seed', { seed: run.data.seed })}</Text>
          </Alert>
        ) : null}
        {missed.data ? <Alert variant="light" data-testid="missed-result">{t('orders.plan.missedResult', { missed: missed.data.missed.length, reminded: missed.data.reminded })}</Alert> : null}
        {plan.isPending ? <Loading /> : null}
        {p ? (
          <>
            <Text size="sm" c="dimmed">{t('orders.plan.range', { from: p.from, to: p.to, zone: p.timeZone })}</Text>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <Card withBorder data-testid="plan-by-state">
                <Text fw={600} size="sm" mb={4}>{t('orders.plan.byState')}</Text>
                {Object.entries(p.byState).map(([s, n]) => <Group key={s} justify="space-between"><OrderStateBadge state={s} /><Text size="sm">{n}</Text></Group>)}
              </Card>
              <Card withBorder data-testid="plan-by-mode">
                <Text fw={600} size="sm" mb={4}>{t('orders.plan.byMode')}</Text>
                {Object.entries(p.byMode).map(([m, n]) => <Group key={m} justify="space-between"><ModeBadge mode={m === 'undecided' ? null : m} /><Text size="sm">{n}</Text></Group>)}
              </Card>
              <Card withBorder data-testid="plan-by-inspector">
                <Text fw={600} size="sm" mb={4}>{t('orders.plan.byInspector')}</Text>
                {p.byInspector.map((i) => (
                  <Group key={i.inspectorId} justify="space-between" wrap="nowrap" data-testid="plan-inspector" data-inspector-id={i.inspectorId}>
                    <Text size="sm" truncate>{i.name}</Text>
                    <Group gap={4} wrap="nowrap">
                      <Text size="sm" data-testid="inspector-load">{t('orders.plan.load', { n: i.orders, capacity: i.dailyCapacity, duty: i.onDutyDates.length })}</Text>
                      {can['order.dispatch'] ? <CapacityEditor inspectorId={i.inspectorId} name={i.name} capacity={i.dailyCapacity} /> : null}
                    </Group>
                  </Group>
                ))}
              </Card>
            </SimpleGrid>
            <OrderListFilters value={s} onChange={update} placeholder={t('orders.list.searchPlaceholder')} withUnassigned />
            <Group justify="space-between">
              <Text size="sm" c="dimmed" data-testid="list-total" data-total={p.total} aria-live="polite">{t('list.total', { total: formatNumber(p.total) })}</Text>
              {plan.isFetching ? <Text size="xs" c="dimmed">{t('common.refreshing')}</Text> : null}
            </Group>
            <Card withBorder p={0}>
              <Table.ScrollContainer minWidth={900}>
                <Table striped verticalSpacing={4} fz="sm" data-testid="plan-orders">
                  <Table.Thead>
                    <Table.Tr>
                      <SortableTh field="orderNo" label={t('orders.fields.orderNo')} name={t('orders.fields.orderNo')} {...sortProps} />
                      <SortableTh field="declarationNo" label={t('fields.declarationNo')} name={t('fields.declarationNo')} {...sortProps} />
                      <SortableTh field="enterprise" label={t('fields.organisation')} name={t('fields.organisation')} {...sortProps} />
                      <SortableTh field="state" label={t('fields.status')} name={t('fields.status')} {...sortProps} />
                      <SortableTh field="mode" label={t('orders.fields.mode')} name={t('orders.fields.mode')} {...sortProps} />
                      <SortableTh field="inspector" label={t('orders.fields.inspector')} name={t('orders.fields.inspector')} {...sortProps} />
                      <SortableTh field="date" label={t('orders.fields.date')} name={t('orders.fields.date')} {...sortProps} />
                      <Table.Th />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {p.orders.map((o) => (
                      <Table.Tr key={o.id} data-testid="plan-order" data-order-id={o.id} data-state={o.state}>
                        <Table.Td><Anchor component={Link} to={orderPath(o.id)} size="sm">{o.orderNo}</Anchor>{o.inspectOnArrival && o.goodsArrivedAt ? <Text span c="red" size="xs"> {t('orders.arrived')}</Text> : null}</Table.Td>
                        <Table.Td data-testid="plan-declaration">{o.declarationNo}</Table.Td>
                        <Table.Td>{o.enterpriseName}</Table.Td>
                        <Table.Td><OrderStateBadge state={o.state} /></Table.Td>
                        <Table.Td><ModeBadge mode={o.mode} /></Table.Td>
                        <Table.Td>
                          {o.inspectorName
                            ? (
                              <Group gap={4} wrap="nowrap">
                                <Text size="sm">{o.inspectorName}</Text>
                                {o.assignment?.by === 'supervisor'
                                  ? <Badge size="xs" variant="light" color="grape" title={o.assignment.reason ?? ''} data-testid="assigned-by-hand">{t('orders.assign.byHand')}</Badge>
                                  : null}
                              </Group>
                            )
                            : (o.unassignedReason
                              ? <Text size="xs" c="orange" data-testid="unassigned-reason"><UnassignedText reason={o.unassignedReason} /></Text>
                              : <Text size="xs" c="dimmed">{t('orders.waiting')}</Text>)}
                        </Table.Td>
                        <Table.Td>
                          {o.assignedDate ?? o.dueDate}
                          {o.assignedDate && o.assignedDate > o.dueDate ? <Text span size="xs" c="dimmed" data-testid="planned-later"> {t('orders.plan.plannedLater', { due: o.dueDate })}</Text> : null}
                        </Table.Td>
                        <Table.Td>
                          {o.can.assign ? <Button size="compact-xs" onClick={() => setAssigning(o)} data-testid="assign-open">{t('orders.assign.open')}</Button> : null}
                          {o.can.reassign ? <Button size="compact-xs" variant="light" onClick={() => setAssigning(o)} data-testid="reassign-open">{t('orders.reassign.open')}</Button> : null}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {p.orders.length === 0 ? <Text c="dimmed" size="sm" p="sm" data-testid="plan-empty">{filtered ? t('orders.list.emptyFiltered') : t('orders.plan.empty')}</Text> : null}
            </Card>
            <ListPager page={s.page} pages={pageCount(p.total, s.limit)} limit={s.limit} sizes={ORDER_PAGE_SIZES} onPage={(page) => update({ page })} onLimit={(limit) => update({ limit })} />
            {p.lastRun ? (
              <Text size="xs" c="dimmed" data-testid="last-run">{t('orders.plan.lastRunAt', { at: formatDateTime(p.lastRun.createdAt) })}</Text>
            ) : null}
            {can['order.dispatch'] ? <DispatchSettingsCard /> : null}
          </>
        ) : null}
        {apps.data?.items.length ? (
          <Card withBorder data-testid="applications">
            <Text fw={600} size="sm" mb="xs">{t('orders.applications.title')}</Text>
            <ErrorAlert error={accept.error} />
            <Stack gap={6}>
              {apps.data.items.map((a) => (
                <Group key={a.id} justify="space-between" wrap="wrap">
                  <Text size="sm">{a.declarationNo} · {a.enterpriseName} · {t(`apply.mode.${a.preferredMode}`, { defaultValue: a.preferredMode })}{a.note ? ` · ${a.note}` : ''}</Text>
                  <Button size="compact-sm" onClick={() => accept.mutate(a.id)} loading={accept.isPending && accept.variables === a.id} data-testid="accept-application">
                    {t('orders.applications.accept')}
                  </Button>
                </Group>
              ))}
            </Stack>
          </Card>
        ) : null}
      </Stack>
      <Modal opened={!!assigning} onClose={() => setAssigning(null)} title={assigning?.inspectorId ? t('orders.reassign.title') : t('orders.assign.title')} size="lg">
        {assigning ? <AssignDialog order={assigning} onDone={() => setAssigning(null)} /> : null}
      </Modal>
    </>
  );
}

/** The supervisor changes an inspector's daily capacity from the plan (qualifications and dispatch status unchanged). */
function CapacityEditor({ inspectorId, name, capacity }: { inspectorId: string; name: string; capacity: number }) {
  const { t } = useTranslation();
  const inspectors = useInspectors();
  const save = useSaveCapacity();
  const [value, setValue] = useState<number | ''>(capacity);
  const [open, setOpen] = useState(false);
  const profile = inspectors.data?.items.find((i) => i.userId === inspectorId);
  return (
    <Popover opened={open} onChange={setOpen} position="bottom-end" withArrow trapFocus>
      <Popover.Target>
        <ActionIcon size="sm" variant="subtle" aria-label={t('orders.plan.editCapacity', { name })} onClick={() => { setValue(capacity); setOpen((o) => !o); }} data-testid="capacity-edit">✎</ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!profile || value === '') return;
            save.mutate({ id: inspectorId, qualifications: profile.qualifications, dailyCapacity: Number(value), active: profile.active }, { onSuccess: () => setOpen(false) });
          }}
        >
          <Stack gap="xs">
            <NumberInput label={t('admin.inspectors.capacity')} min={0} max={100} value={value} onChange={(v) => setValue(v === '' ? '' : Number(v))} data-testid="capacity-input" />
            <ErrorAlert error={save.error} />
            <Button type="submit" size="xs" disabled={!profile} loading={save.isPending} data-testid="capacity-save">{t('admin.save')}</Button>
          </Stack>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}
