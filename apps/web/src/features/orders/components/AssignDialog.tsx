import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Radio, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { InspectionOrder } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { useAssign, useCandidates, useReassign } from '../api.ts';

/** The rule a supervisor can never override (the server refuses it too). */
const NEVER = 'conflict_of_interest';

/**
 * Supervisor assigns an unassigned order, or moves an assigned one, by hand: pick the day (the order's day or a later
 * one), see every inspector of the office checked against the dispatch rules for that day, give the reason. An
 * inspector who fails a rule other than a conflict of interest can be chosen only by ticking "assign anyway".
 */
export function AssignDialog({ order, onDone }: { order: InspectionOrder; onDone(): void }) {
  const { t } = useTranslation();
  const reassigning = !!order.inspectorId;
  const [date, setDate] = useState('');
  const candidates = useCandidates(order.id, date);
  const assign = useAssign();
  const reassign = useReassign();
  const mutation = reassigning ? reassign : assign;
  const [to, setTo] = useState('');
  const [reason, setReason] = useState('');
  const [override, setOverride] = useState(false);
  const day = date || candidates.data?.date || '';
  const items = (candidates.data?.items ?? []).filter((c) => c.inspectorId !== order.inspectorId);
  const chosen = items.find((c) => c.inspectorId === to);
  const needsOverride = !!chosen && chosen.failedRules.length > 0;
  const blocked = !!chosen?.failedRules.includes(NEVER);
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await mutation.mutateAsync({ id: order.id, inspectorId: to, reason: reason.trim(), ...(date ? { date } : {}), ...(needsOverride ? { override } : {}) });
          onDone();
        } catch {
          // shown below
        }
      }}
      data-testid="assign-form"
    >
      <Stack gap="sm">
        <Text size="sm">
          {reassigning
            ? t('orders.reassign.current', { orderNo: order.orderNo, name: order.inspectorName ?? '' })
            : t('orders.assign.intro', { orderNo: order.orderNo, enterprise: order.enterpriseName })}
        </Text>
        <TextInput type="date" label={t('orders.assign.day')} value={day} onChange={(e) => { setDate(e.currentTarget.value); setTo(''); setOverride(false); }} data-testid="assign-date" />
        {candidates.isPending ? <Loading /> : null}
        <ErrorAlert error={candidates.error} />
        <Radio.Group label={t('orders.reassign.to')} value={to} onChange={(v) => { setTo(v); setOverride(false); }} data-testid="assign-candidates">
          <Stack gap={6} mt={4}>
            {items.map((c) => (
              <Radio
                key={c.inspectorId}
                value={c.inspectorId}
                disabled={c.failedRules.includes(NEVER)}
                data-testid="assign-candidate"
                data-inspector-id={c.inspectorId}
                data-allowed={c.allowed}
                label={(
                  <Group gap={6} wrap="wrap">
                    <Text size="sm">{c.name}</Text>
                    <Text size="xs" c="dimmed">{t('orders.assign.load', { load: c.load, capacity: c.dailyCapacity })}</Text>
                    {c.allowed ? <Badge size="xs" color="green" variant="light">{t('orders.assign.free')}</Badge> : null}
                    {c.failedRules.map((r) => <Badge key={r} size="xs" color={r === NEVER ? 'red' : 'orange'} variant="light">{t(`orders.elimination.${r}`)}</Badge>)}
                  </Group>
                )}
              />
            ))}
            {candidates.data && !items.length ? <Text size="sm" c="dimmed">{t('orders.assign.noInspectors')}</Text> : null}
          </Stack>
        </Radio.Group>
        {needsOverride && !blocked ? (
          <Alert color="orange" variant="light" data-testid="assign-override-warning">
            <Text size="sm">{t('orders.assign.overrideWarning', { name: chosen!.name, rules: chosen!.failedRules.map((r) => t(`orders.elimination.${r}`)).join(', ') })}</Text>
            <Checkbox mt="xs" label={t('orders.assign.override')} checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} data-testid="assign-override" />
          </Alert>
        ) : null}
        <Textarea label={t('orders.reason')} description={t('orders.assign.reasonHelp')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} required minLength={3} data-testid="assign-reason" />
        <ErrorAlert error={mutation.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>{t('common.cancel')}</Button>
          <Button type="submit" disabled={!to || blocked || reason.trim().length < 3 || (needsOverride && !override)} loading={mutation.isPending} data-testid="assign-submit">
            {reassigning ? t('orders.reassign.submit') : t('orders.assign.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Plain words for why dispatch left an order unassigned: the day, and how many inspectors each rule ruled out. */
export function UnassignedText({ reason }: { reason: NonNullable<InspectionOrder['unassignedReason']> }) {
  const { t } = useTranslation();
  if (reason.reason === 'no_inspectors_in_office') return <>{t('orders.unassignedNoInspectors')}</>;
  const counts = reason.eliminated
    ? reason.blockingRules.map((r) => t(`orders.eliminationCount.${r}`, { count: reason.eliminated?.[r] ?? 0 })).join(t('orders.listSeparator'))
    : reason.blockingRules.map((r) => t(`orders.elimination.${r}`)).join(t('orders.listSeparator'));
  return (
    <>
      {reason.date ? t('orders.unassignedOn', { date: reason.date, rules: counts }) : t('orders.unassigned', { rules: counts })}
      {reason.triedDays ? ` ${t('orders.unassignedTried', { count: reason.triedDays })}` : ''}
    </>
  );
}
