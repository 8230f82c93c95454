import { useState } from 'react';
import { Anchor, Button, Card, Group, List, Modal, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { OrderDetail } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime, formatNumber } from '../../../shared/format.ts';
import { RiskPanel } from '../../risk/components/RiskPanel.tsx';
import { useCancelOrder, useConfirmArrival, useOrder, useRegisterRemote, useScheduleVisit, useStartInspection } from '../api.ts';
import { EligibilityPanel } from './EligibilityPanel.tsx';
import { AssignDialog, UnassignedText } from './AssignDialog.tsx';
import { AppointmentText, ModeBadge, OrderStateBadge } from './OrderBadges.tsx';

function Field({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div data-testid={testId}>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" fw={500} component="div">{children}</Text>
    </div>
  );
}

/**
 * One order for customs staff: declaration, arrival notices (confirm arrival), risk score and explanation,
 * eligibility recommendation and decision, remote registration with the offered slots, on-site visit, history.
 */
export function OrderDetailView({ id, can }: { id: string; can: Record<string, boolean> }) {
  const { t } = useTranslation();
  const q = useOrder(id);
  const register = useRegisterRemote();
  const start = useStartInspection();
  const confirm = useConfirmArrival();
  const [dialog, setDialog] = useState<'visit' | 'cancel' | 'assign' | null>(null);
  if (q.isPending) return <Loading />;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const o = q.data;
  const mayConfirm = !!(can['order.plan'] || can['order.schedule']);
  return (
    <>
      <PageHeader
        title={<>{t('orders.detail.title', { orderNo: o.orderNo })} <OrderStateBadge state={o.state} /></>}
        testId="page-title"
        actions={(
          <>
            {o.can.register ? <Button onClick={() => register.mutate(o.id)} loading={register.isPending} data-testid="register-remote">{t('orders.detail.registerRemote')}</Button> : null}
            {o.can.scheduleVisit ? <Button variant="light" onClick={() => setDialog('visit')} data-testid="schedule-visit">{t('orders.detail.scheduleVisit')}</Button> : null}
            {o.can.start ? <Button variant="light" onClick={() => start.mutate(o.id)} loading={start.isPending} data-testid="start-inspection">{t('orders.detail.start')}</Button> : null}
            {o.can.assign ? <Button onClick={() => setDialog('assign')} data-testid="assign-open">{t('orders.assign.open')}</Button> : null}
            {o.can.reassign ? <Button variant="light" onClick={() => setDialog('assign')} data-testid="reassign-open">{t('orders.reassign.open')}</Button> : null}
            {o.can.cancel ? <Button variant="default" color="red" onClick={() => setDialog('cancel')} data-testid="cancel-order">{t('orders.detail.cancel')}</Button> : null}
          </>
        )}
      />
      <ErrorAlert error={register.error ?? start.error ?? confirm.error} />
      <Card withBorder mb="md" data-testid="order-summary" data-state={o.state} data-mode={o.mode ?? ''}>
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
          <Field label={t('fields.declarationNo')}><Anchor component={Link} to={`/customs/declarations/${encodeURIComponent(o.declarationId)}`}>{o.declarationNo}</Anchor></Field>
          <Field label={t('fields.organisation')}>{o.enterpriseName}</Field>
          <Field label={t('orders.fields.mode')}><ModeBadge mode={o.mode} /></Field>
          <Field label={t('orders.fields.inspector')} testId="order-inspector">{o.inspectorName ?? t('common.none')}</Field>
          <Field label={t('fields.hs6')}>{o.hs6} · {t(`orders.category.${o.goodsCategory}`, { defaultValue: o.goodsCategory })}</Field>
          <Field label={t('orders.fields.date')}>{o.assignedDate ?? o.dueDate}</Field>
          <Field label={t('orders.fields.selection')}>{o.selection ? t(`orders.selection.${o.selection}`) : t('common.none')}</Field>
          <Field label={t('orders.fields.inspectOnArrival')}>{o.inspectOnArrival ? (o.goodsArrivedAt ? t('orders.arrived') : t('orders.yes')) : t('orders.no')}</Field>
        </SimpleGrid>
        {o.unassignedReason ? <Text size="sm" c="orange" mt="sm" data-testid="unassigned-reason"><UnassignedText reason={o.unassignedReason} /></Text> : null}
        {o.assignment?.by === 'supervisor' ? (
          <Text size="sm" mt="sm" data-testid="assignment-note">{t('orders.assign.note', { name: o.assignment.actorName ?? '', reason: o.assignment.reason ?? '' })}</Text>
        ) : null}
        {o.application ? (
          <Text size="sm" mt="sm" data-testid="application-note">
            {t('orders.detail.application', { mode: t(`apply.mode.${o.application.preferredMode}`) })}
            {o.application.note ? <> “<Text span fs="italic">{o.application.note}</Text>”</> : null}
          </Text>
        ) : null}
      </Card>

      {o.appointment ? (
        <Card withBorder mb="md" data-testid="appointment" data-status={o.appointment.status}>
          <Title order={3} fz="md" mb={4}>{t(`orders.appointment.${o.appointment.kind}`)}</Title>
          <Text size="sm"><AppointmentText a={o.appointment} /> · {t(`orders.appointmentStatus.${o.appointment.status}`, { defaultValue: o.appointment.status })}</Text>
          {o.appointment.operatorName ? <Text size="sm">{t('orders.appointment.operator', { name: o.appointment.operatorName })}</Text> : null}
          {o.appointment.location ? <Text size="sm">{t('orders.appointment.location', { location: o.appointment.location })}</Text> : null}
        </Card>
      ) : null}

      {o.proposedSlots.length && !o.appointment ? (
        <Card withBorder mb="md" data-testid="proposed-slots">
          <Title order={3} fz="md" mb={4}>{t('orders.detail.offered')}</Title>
          <List size="sm">{o.proposedSlots.map((s) => <List.Item key={s.start}>{`${s.localDate} ${s.localStart}–${s.localEnd}`}</List.Item>)}</List>
        </Card>
      ) : null}

      <EligibilityPanel order={o} />

      {can['risk.read'] ? <RiskPanel declarationId={o.declarationId} canReplay={false} /> : null}

      <Card withBorder mb="md" data-testid="order-goods">
        <Title order={3} fz="md" mb="xs">{t('orders.detail.goods')}</Title>
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" mb="sm">
          <Field label={t('fields.countryOfOrigin')}>{o.declaration.countryOfOrigin}</Field>
          <Field label={t('fields.netMassKg')}>{formatNumber(o.declaration.netMassKg)}</Field>
          <Field label={t('fields.itemPrice')}>{formatNumber(o.declaration.itemPrice)}</Field>
          <Field label={t('fields.goodsDescription')}>{o.declaration.goodsDescription ?? t('common.none')}</Field>
        </SimpleGrid>
        <Text size="sm" fw={600}>{t('orders.detail.arrivalNotices')}</Text>
        {o.arrivalNotices.length === 0 ? <Text size="sm" c="dimmed">{t('orders.detail.noArrivalNotice')}</Text> : null}
        <Stack gap={6}>
          {o.arrivalNotices.map((n) => (
            <Group key={n.id} justify="space-between" wrap="wrap" data-testid="order-arrival-notice">
              <Text size="sm">{formatDateTime(n.expectedArrivalAt)} · {n.location} · {t('orders.detail.containers', { count: n.containerCount })}</Text>
              {n.confirmedAt ? <Text size="xs" c="green">{t('orders.detail.arrivedAt', { at: formatDateTime(n.confirmedAt) })}</Text>
                : mayConfirm ? <Button size="compact-xs" variant="light" onClick={() => confirm.mutate(n.id)} loading={confirm.isPending} data-testid="confirm-arrival">{t('orders.detail.confirmArrival')}</Button> : null}
            </Group>
          ))}
        </Stack>
      </Card>

      {o.transitions?.length ? (
        <Card withBorder mb="md" data-testid="order-history">
          <Title order={3} fz="md" mb="xs">{t('orders.detail.history')}</Title>
          <Table fz="sm" verticalSpacing={2}>
            <Table.Tbody>
              {o.transitions.map((tr, i) => (
                <Table.Tr key={i}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(tr.at)}</Table.Td>
                  <Table.Td>{tr.from ? <OrderStateBadge state={tr.from} /> : null} → <OrderStateBadge state={tr.to} /></Table.Td>
                  <Table.Td>{tr.actorName ?? (tr.actorRole ? t(`roles.${tr.actorRole}`, { defaultValue: tr.actorRole }) : t('orders.detail.system'))}</Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{tr.reason ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      ) : null}

      <Modal opened={dialog === 'visit'} onClose={() => setDialog(null)} title={t('orders.detail.scheduleVisit')}>
        <VisitForm order={o} onDone={() => setDialog(null)} />
      </Modal>
      <Modal opened={dialog === 'assign'} onClose={() => setDialog(null)} title={o.inspectorId ? t('orders.reassign.title') : t('orders.assign.title')} size="lg">
        {dialog === 'assign' ? <AssignDialog order={o} onDone={() => setDialog(null)} /> : null}
      </Modal>
      <Modal opened={dialog === 'cancel'} onClose={() => setDialog(null)} title={t('orders.detail.cancel')}>
        <CancelForm order={o} onDone={() => setDialog(null)} />
      </Modal>
    </>
  );
}

function VisitForm({ order, onDone }: { order: OrderDetail; onDone(): void }) {
  const { t } = useTranslation();
  const visit = useScheduleVisit();
  const [when, setWhen] = useState('');
  const [location, setLocation] = useState('');
  const [reason, setReason] = useState('');
  const start = when ? new Date(when) : null;
  return (
    <form
      data-testid="visit-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!start || Number.isNaN(start.getTime())) return;
        try {
          await visit.mutateAsync({ id: order.id, start: start.toISOString(), location: location.trim(), ...(reason.trim() ? { reason: reason.trim() } : {}) });
          onDone();
        } catch {
          // shown below
        }
      }}
    >
      <Stack gap="sm">
        <TextInput type="datetime-local" label={t('orders.visit.start')} description={t('orders.visit.localTime')} value={when} onChange={(e) => setWhen(e.currentTarget.value)} required data-testid="visit-start" />
        <TextInput label={t('orders.visit.location')} value={location} onChange={(e) => setLocation(e.currentTarget.value)} required maxLength={300} data-testid="visit-location" />
        <Textarea label={t('orders.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        <ErrorAlert error={visit.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>{t('common.cancel')}</Button>
          <Button type="submit" disabled={!start || !location.trim()} loading={visit.isPending} data-testid="visit-submit">{t('orders.visit.submit')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

function CancelForm({ order, onDone }: { order: OrderDetail; onDone(): void }) {
  const { t } = useTranslation();
  const cancel = useCancelOrder();
  const [reason, setReason] = useState('');
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await cancel.mutateAsync({ id: order.id, reason: reason.trim() });
          onDone();
        } catch {
          // shown below
        }
      }}
    >
      <Stack gap="sm">
        <Textarea label={t('orders.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} required minLength={3} data-testid="cancel-reason" />
        <ErrorAlert error={cancel.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>{t('common.cancel')}</Button>
          <Button color="red" type="submit" disabled={reason.trim().length < 3} loading={cancel.isPending} data-testid="cancel-submit">{t('orders.detail.cancel')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
