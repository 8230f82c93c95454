import { useState } from 'react';
import { Alert, Anchor, Button, Card, Group, Modal, NativeSelect, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { InspectionOrder } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { useAcceptApplication, useApplications, useCheckMissed, useInspectors, usePlan, useReassign, useRunDispatch } from '../api.ts';
import { ModeBadge, OrderStateBadge } from './OrderBadges.tsx';

const orderPath = (id: string) => `/customs/orders/${encodeURIComponent(id)}`;

/**
 * Supervisor's plan for a day or a week: counts by state and mode, load per inspector and day, every order (with
 * the reason when it could not be assigned), "run dispatch", "reassign", and enterprises' applications to accept.
 */
export function PlanView({ can }: { can: Record<string, boolean> }) {
  const { t } = useTranslation();
  const [from, setFrom] = useState('');
  const [days, setDays] = useState('1');
  const plan = usePlan({ ...(from ? { from } : {}), days: Number(days) });
  const run = useRunDispatch();
  const missed = useCheckMissed();
  const apps = useApplications(!!can['order.plan']);
  const accept = useAcceptApplication();
  const [reassigning, setReassigning] = useState<InspectionOrder | null>(null);
  const p = plan.data;

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
          <TextInput type="date" label={t('orders.plan.from')} value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="plan-from" />
          <SegmentedControl value={days} onChange={setDays} data={[{ value: '1', label: t('orders.plan.day') }, { value: '7', label: t('orders.plan.week') }]} data-testid="plan-range" />
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
                  <Group key={i.inspectorId} justify="space-between" wrap="nowrap">
                    <Text size="sm" truncate>{i.name}</Text>
                    <Text size="sm" data-testid="inspector-load">{t('orders.plan.load', { n: i.orders, capacity: i.dailyCapacity, duty: i.onDutyDates.length })}</Text>
                  </Group>
                ))}
              </Card>
            </SimpleGrid>
            <Card withBorder p={0}>
              <Table.ScrollContainer minWidth={900}>
                <Table striped verticalSpacing={4} fz="sm" data-testid="plan-orders">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('orders.fields.orderNo')}</Table.Th>
                      <Table.Th>{t('fields.declarationNo')}</Table.Th>
                      <Table.Th>{t('fields.organisation')}</Table.Th>
                      <Table.Th>{t('fields.status')}</Table.Th>
                      <Table.Th>{t('orders.fields.mode')}</Table.Th>
                      <Table.Th>{t('orders.fields.inspector')}</Table.Th>
                      <Table.Th>{t('orders.fields.date')}</Table.Th>
                      <Table.Th />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {p.orders.map((o) => (
                      <Table.Tr key={o.id} data-testid="plan-order" data-order-id={o.id} data-state={o.state}>
                        <Table.Td><Anchor component={Link} to={orderPath(o.id)} size="sm">{o.orderNo}</Anchor>{o.inspectOnArrival && o.goodsArrivedAt ? <Text span c="red" size="xs"> {t('orders.arrived')}</Text> : null}</Table.Td>
                        <Table.Td>{o.declarationNo}</Table.Td>
                        <Table.Td>{o.enterpriseName}</Table.Td>
                        <Table.Td><OrderStateBadge state={o.state} /></Table.Td>
                        <Table.Td><ModeBadge mode={o.mode} /></Table.Td>
                        <Table.Td>
                          {o.inspectorName ?? (o.unassignedReason
                            ? <Text size="xs" c="orange" data-testid="unassigned-reason">{t('orders.unassigned', { rules: o.unassignedReason.blockingRules.map((r) => t(`orders.rules.${r}`, { defaultValue: r })).join(', ') })}</Text>
                            : <Text size="xs" c="dimmed">{t('orders.waiting')}</Text>)}
                        </Table.Td>
                        <Table.Td>{o.assignedDate ?? o.dueDate}</Table.Td>
                        <Table.Td>
                          {o.can.reassign ? <Button size="compact-xs" variant="light" onClick={() => setReassigning(o)} data-testid="reassign-open">{t('orders.reassign.open')}</Button> : null}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {p.orders.length === 0 ? <Text c="dimmed" size="sm" p="sm">{t('orders.plan.empty')}</Text> : null}
            </Card>
            {p.lastRun ? (
              <Text size="xs" c="dimmed" data-testid="last-run">{t('orders.plan.lastRun', { id: p.lastRun.id })}</Text>
            ) : null}
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
      <Modal opened={!!reassigning} onClose={() => setReassigning(null)} title={t('orders.reassign.title')}>
        {reassigning ? <ReassignForm order={reassigning} onDone={() => setReassigning(null)} /> : null}
      </Modal>
    </>
  );
}

function ReassignForm({ order, onDone }: { order: InspectionOrder; onDone(): void }) {
  const { t } = useTranslation();
  const inspectors = useInspectors();
  const reassign = useReassign();
  const [to, setTo] = useState('');
  const [reason, setReason] = useState('');
  const options = (inspectors.data?.items ?? []).filter((i) => i.userId !== order.inspectorId && i.active);
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await reassign.mutateAsync({ id: order.id, inspectorId: to, reason: reason.trim() });
          onDone();
        } catch {
          // shown below
        }
      }}
      data-testid="reassign-form"
    >
      <Stack gap="sm">
        <Text size="sm">{t('orders.reassign.current', { orderNo: order.orderNo, name: order.inspectorName ?? '' })}</Text>
        <NativeSelect
          label={t('orders.reassign.to')}
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
          data={[{ value: '', label: t('orders.reassign.choose') }, ...options.map((i) => ({ value: i.userId, label: i.name }))]}
          required
          data-testid="reassign-inspector"
        />
        <Textarea label={t('orders.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} required minLength={3} data-testid="reassign-reason" />
        <ErrorAlert error={reassign.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>{t('common.cancel')}</Button>
          <Button type="submit" disabled={!to || reason.trim().length < 3} loading={reassign.isPending} data-testid="reassign-submit">{t('orders.reassign.submit')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
