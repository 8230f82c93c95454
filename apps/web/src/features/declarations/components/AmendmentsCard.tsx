import { useState } from 'react';
import { Badge, Button, Card, Group, NativeSelect, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { AMENDABLE_FIELDS, NUMERIC_AMENDABLE_FIELDS, type AmendableField, type Amendment, type DeclarationDetail } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { formatDateTime, formatNumber } from '../../../shared/format.ts';
import { useDecideAmendment, useFileAmendment } from '../api.ts';

/** A declaration field in words (its form label); an unknown name stays as typed. */
export const fieldLabel = (t: TFunction, field: string) => t(`fields.${field}`, { defaultValue: field });

const valueText = (v: unknown, dash: string) => (v === null || v === undefined || v === '' ? dash : typeof v === 'number' ? formatNumber(v, 4) : String(v));

const STATUS_COLOR = { filed: 'yellow', accepted: 'green', rejected: 'red' } as const;

interface Row { field: AmendableField; to: string }

/**
 * Amendments of a declaration: each one's changes in words, status and customs' note; customs who may decide accept
 * or refuse (with a note); the enterprise files a new one, pre-filled with the corrections customs asked for.
 */
export function AmendmentsCard({ d, prefill }: { d: DeclarationDetail; prefill?: { field: string; corrected: string }[] }) {
  const { t } = useTranslation();
  if (!d.amendments.length && !d.can.amend) return null;
  return (
    <Card withBorder mb="md" data-testid="amendments">
      <Title order={3} fz="md" mb="xs">{t('amendments.title')}</Title>
      <Stack gap="sm">
        {d.amendments.map((a) => <AmendmentItem key={a.id} a={a} />)}
        {d.can.amend ? <AmendmentForm d={d} prefill={prefill ?? []} /> : null}
      </Stack>
    </Card>
  );
}

function AmendmentItem({ a }: { a: Amendment }) {
  const { t } = useTranslation();
  const dash = t('common.none');
  const decide = useDecideAmendment();
  const [note, setNote] = useState('');
  return (
    <Card withBorder padding="sm" data-testid="amendment" data-status={a.status}>
      <Group justify="space-between" mb={4}>
        <Badge color={STATUS_COLOR[a.status]} variant="light" data-testid="amendment-status">{t(`amendments.status.${a.status}`)}</Badge>
        <Text size="xs" c="dimmed">{t('amendments.filed', { at: formatDateTime(a.filedAt), name: a.filedByName ?? dash })}</Text>
      </Group>
      <Stack gap={2} data-testid="amendment-changes">
        {a.changes.map((c) => (
          <Text key={c.field} size="sm" data-testid="amendment-change">
            {t('amendments.change', { field: fieldLabel(t, c.field), from: valueText(c.from, dash), to: valueText(c.to, dash) })}
          </Text>
        ))}
      </Stack>
      <Text size="sm" c="dimmed" mt={4}>{t('amendments.reason', { reason: a.reason })}</Text>
      {a.status !== 'filed' ? (
        <Text size="sm" mt={4} data-testid="amendment-decision">
          {t(a.status === 'accepted' ? 'amendments.acceptedBy' : 'amendments.rejectedBy', { name: a.decidedByName ?? dash, at: a.decidedAt ? formatDateTime(a.decidedAt) : dash, version: a.resultVersion ?? '' })}
          {a.decisionNote ? ` — ${a.decisionNote}` : ''}
        </Text>
      ) : null}
      {a.can.decide ? (
        <Stack gap="xs" mt="xs">
          <TextInput label={t('amendments.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={1000} data-testid="amendment-note" />
          <ErrorAlert error={decide.error} />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" color="red" disabled={!note.trim()} loading={decide.isPending && decide.variables?.accept === false} onClick={() => decide.mutate({ id: a.id, accept: false, note: note.trim() })} data-testid="amendment-reject">{t('amendments.reject')}</Button>
            <Button loading={decide.isPending && decide.variables?.accept === true} onClick={() => decide.mutate({ id: a.id, accept: true, note: note.trim() || undefined })} data-testid="amendment-accept">{t('amendments.accept')}</Button>
          </Group>
        </Stack>
      ) : null}
    </Card>
  );
}

function AmendmentForm({ d, prefill }: { d: DeclarationDetail; prefill: { field: string; corrected: string }[] }) {
  const { t } = useTranslation();
  const file = useFileAmendment(d.id);
  const initial = prefill.filter((p): p is { field: AmendableField; corrected: string } => (AMENDABLE_FIELDS as readonly string[]).includes(p.field)).map((p) => ({ field: p.field, to: p.corrected }));
  const [rows, setRows] = useState<Row[]>(initial.length ? initial : [{ field: 'netMassKg', to: '' }]);
  const [reason, setReason] = useState('');
  const set = (i: number, patch: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const changes = rows.filter((r) => r.to.trim()).map((r) => ({ field: r.field, to: NUMERIC_AMENDABLE_FIELDS.includes(r.field) ? Number(r.to) : r.to.trim() }));
  const current = (f: AmendableField) => valueText(d[f], t('common.none'));
  return (
    <form
      data-testid="amendment-form"
      onSubmit={(e) => {
        e.preventDefault();
        file.mutate({ changes, reason: reason.trim() }, { onSuccess: () => setReason('') });
      }}
    >
      <Stack gap="xs">
        <Text size="sm" fw={500}>{t('amendments.new')}</Text>
        <Text size="xs" c="dimmed">{t('amendments.help')}</Text>
        {rows.map((r, i) => (
          <Group key={i} gap="xs" align="flex-end" wrap="wrap" data-testid="amendment-row">
            <NativeSelect
              label={t('amendments.field')}
              value={r.field}
              onChange={(e) => set(i, { field: e.currentTarget.value as AmendableField })}
              data={AMENDABLE_FIELDS.map((f) => ({ value: f, label: fieldLabel(t, f) }))}
              data-testid="amendment-field"
            />
            <TextInput
              label={t('amendments.newValue', { current: current(r.field) })}
              value={r.to}
              inputMode={NUMERIC_AMENDABLE_FIELDS.includes(r.field) ? 'decimal' : undefined}
              onChange={(e) => set(i, { to: e.currentTarget.value })}
              data-testid="amendment-value"
            />
            {rows.length > 1 ? <Button variant="subtle" size="compact-sm" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>{t('amendments.removeRow')}</Button> : null}
          </Group>
        ))}
        <Group>
          <Button variant="subtle" size="compact-sm" onClick={() => setRows((rs) => [...rs, { field: 'grossMassKg', to: '' }])} data-testid="amendment-add">{t('amendments.addRow')}</Button>
        </Group>
        <Textarea label={t('amendments.why')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} minLength={3} maxLength={1000} required data-testid="amendment-reason" />
        <ErrorAlert error={file.error} />
        <Group justify="flex-end">
          <Button type="submit" disabled={!changes.length || reason.trim().length < 3} loading={file.isPending} data-testid="amendment-submit">{t('amendments.submit')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
