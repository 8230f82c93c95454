import { useEffect, useState } from 'react';
import { Alert, Button, Card, Group, NativeSelect, Radio, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import {
  DECISION_OUTCOMES, DISCREPANCY_TYPES, FINDING_STEP_RESULTS, SEVERITIES, WEIGHT_FIELDS, weightCheck, type DecisionOutcome, type DiscrepancyType, type Finding,
  type FindingInput, type InspectionView as Inspection, type Severity, type SuggestedFinding,
} from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatNumber } from '../../../shared/format.ts';
import { OrderStateBadge } from '../../orders/components/OrderBadges.tsx';
import {
  useAcceptSuggestion, useCompleteInspection, useDismissSuggestion, useInspection, useProposeDecision, useRecordFinding,
} from '../api.ts';
import { DecisionStatusBadge, OutcomeBadge } from './FindingBadges.tsx';
import { FindingTable } from './FindingTable.tsx';
import { SnapshotPicker } from './SnapshotPicker.tsx';
import { fieldLabel } from '../../declarations/components/AmendmentsCard.tsx';

const BIG = { size: 'md' as const };

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" fw={500} component="div">{children}</Text>
    </div>
  );
}

/**
 * The inspector's work page (tablet-friendly: large touch targets, one column on narrow screens): declared values,
 * the checklist (one tap records a signed step result; tapping another result records a correction), vision
 * suggestions to accept or dismiss, discrepancies, and the decision to sign.
 */
export function InspectionView({ orderId }: { orderId: string }) {
  const { t } = useTranslation();
  const q = useInspection(orderId);
  const complete = useCompleteInspection();
  if (q.isPending) return <Loading />;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const v = q.data;
  const pending = v.decisions.find((d) => d.status === 'pending_approval');
  const effective = v.decisions.find((d) => d.status === 'effective');
  const lastRejected = [...v.decisions].reverse().find((d) => d.status === 'rejected');
  return (
    <>
      <PageHeader
        title={<>{t('findings.inspectionTitle', { orderNo: v.order.orderNo })} <OrderStateBadge state={v.order.state} /></>}
        testId="page-title"
        actions={v.can.complete ? (
          <Button variant="light" {...BIG} onClick={() => complete.mutate(orderId)} loading={complete.isPending} data-testid="complete-inspection">{t('findings.complete')}</Button>
        ) : null}
      />
      <ErrorAlert error={complete.error} />
      <Card withBorder mb="md" data-testid="declared">
        <Title order={3} fz="md" mb="xs">{t('findings.declared')}</Title>
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
          <Field label={t('fields.declarationNo')}>{v.declaration.declarationNo}</Field>
          <Field label={t('fields.organisation')}>{v.order.enterpriseName}</Field>
          <Field label={t('fields.hs6')}>{v.declaration.hs6}</Field>
          <Field label={t('fields.countryOfOrigin')}>{v.declaration.countryOfOrigin}</Field>
          <Field label={t('fields.netMassKg')}>{formatNumber(v.declaration.netMassKg)}</Field>
          <Field label={t('fields.itemPrice')}>{formatNumber(v.declaration.itemPrice)}</Field>
          <Field label={t('fields.goodsDescription')}>{v.declaration.goodsDescription ?? t('common.none')}</Field>
          <Field label={t('orders.fields.inspector')}>{v.order.inspectorName ?? t('common.none')}</Field>
        </SimpleGrid>
      </Card>

      {effective ? (
        <Alert color="green" mb="md" data-testid="decision-effective" title={t('findings.decidedTitle')}>
          <Group gap="xs"><OutcomeBadge outcome={effective.outcome} />{effective.releasedAt ? <Text size="sm">{t('findings.releasedAt', { at: new Date(effective.releasedAt).toLocaleString() })}</Text> : null}</Group>
        </Alert>
      ) : null}
      {pending ? (
        <Alert color="yellow" mb="md" data-testid="decision-pending" title={t('findings.pendingTitle')}>
          <Group gap="xs"><OutcomeBadge outcome={pending.outcome} /><Text size="sm">{t('findings.pendingText')}</Text></Group>
        </Alert>
      ) : null}
      {lastRejected && !pending && !effective ? (
        <Alert color="red" mb="md" data-testid="decision-rejected" title={t('findings.rejectedTitle')}>
          {lastRejected.review?.reason ?? ''}
        </Alert>
      ) : null}

      <Checklist view={v} />
      <Suggestions view={v} />
      <DiscrepancyArea view={v} />
      {v.can.decide ? <DecisionForm view={v} /> : null}
      {v.decisions.length ? <DecisionHistory view={v} /> : null}
    </>
  );
}

function currentStep(findings: Finding[], key: string): Finding | undefined {
  return findings.find((f) => f.kind === 'step' && f.stepKey === key && f.current);
}

function Checklist({ view }: { view: Inspection }) {
  const { t, i18n } = useTranslation();
  const record = useRecordFinding();
  const label = (key: string) => {
    const text = view.stepTexts[key];
    return text ? (i18n.language === 'zh-CN' ? text['zh-CN'] : text.en) : t(`findings.step.${key}`, { defaultValue: key });
  };
  return (
    <Card withBorder mb="md" data-testid="checklist">
      <Title order={3} fz="md" mb="xs">{t('findings.checklist')}</Title>
      <Stack gap="sm">
        {view.checklist.map((key) => {
          const cur = currentStep(view.findings, key);
          return (
            <Group key={key} justify="space-between" wrap="wrap" gap="xs" data-testid={`step-${key}`} data-result={cur?.stepResult ?? ''}>
              <div>
                <Text size="md" fw={500}>{label(key)}</Text>
                {view.sessionResults[key] ? <Text size="xs" c="dimmed" data-testid="session-result">{t('findings.inSession', { result: t(`findings.result.${view.sessionResults[key]}`, { defaultValue: view.sessionResults[key] ?? '' }) })}</Text> : null}
              </div>
              <Group gap={6}>
                {FINDING_STEP_RESULTS.map((r) => (
                  <Button
                    key={r}
                    {...BIG}
                    miw={92}
                    variant={cur?.stepResult === r ? 'filled' : 'default'}
                    color={r === 'fail' ? 'red' : r === 'pass' ? 'green' : 'gray'}
                    disabled={!view.can.record && cur?.stepResult !== r}
                    aria-pressed={cur?.stepResult === r}
                    loading={record.isPending && record.variables?.input.stepKey === key && record.variables?.input.stepResult === r}
                    onClick={() => {
                      // The current result again records nothing; another one records a signed correction of it.
                      if (!view.can.record || cur?.stepResult === r) return;
                      record.mutate({ orderId: view.order.id, input: { kind: 'step', stepKey: key, stepResult: r, ...(cur ? { corrects: cur.id } : {}) } });
                    }}
                    data-testid={`step-${key}-${r}`}
                  >
                    {t(`findings.result.${r}`)}
                  </Button>
                ))}
              </Group>
            </Group>
          );
        })}
      </Stack>
      <ErrorAlert error={record.error} />
    </Card>
  );
}

function SuggestionRow({ s, canRecord }: { s: SuggestedFinding; canRecord: boolean }) {
  const { t } = useTranslation();
  const accept = useAcceptSuggestion();
  const dismiss = useDismissSuggestion();
  const [severity, setSeverity] = useState<Severity>('minor');
  const [reason, setReason] = useState('');
  return (
    <Card withBorder p="sm" data-testid="suggestion" data-status={s.status} data-suggestion-id={s.id}>
      <Stack gap={6}>
        <Text size="sm"><b>{s.field}</b>: {s.declared ?? t('common.none')} → <b>{s.observed ?? t('common.none')}</b></Text>
        <Text size="xs" c="dimmed">{t('findings.confidence', { value: Math.round(s.confidence * 100) })}{s.evidence.text ? ` · “${s.evidence.text}”` : ''}{s.evidence.snapshotId ? ` · ${t('findings.ev.snapshot', { id: s.evidence.snapshotId })}` : ''}</Text>
        {s.status !== 'suggested' ? (
          <Text size="sm" c="dimmed">{t(`findings.suggestionStatus.${s.status}`)}{s.dismissReason ? `: ${s.dismissReason}` : ''}</Text>
        ) : canRecord ? (
          <Group gap="xs" align="flex-end" wrap="wrap">
            <NativeSelect label={t('findings.severityLabel')} value={severity} onChange={(e) => setSeverity(e.currentTarget.value as Severity)}
              data={SEVERITIES.map((x) => ({ value: x, label: t(`findings.severity.${x}`) }))} data-testid="suggestion-severity" />
            <Button {...BIG} onClick={() => accept.mutate({ id: s.id, body: { severity } })} loading={accept.isPending} data-testid="suggestion-accept">{t('findings.accept')}</Button>
            <TextInput label={t('findings.dismissReason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={1000} data-testid="suggestion-reason" />
            <Button {...BIG} variant="default" disabled={!reason.trim()} onClick={() => dismiss.mutate({ id: s.id, reason: reason.trim() })} loading={dismiss.isPending} data-testid="suggestion-dismiss">{t('findings.dismiss')}</Button>
          </Group>
        ) : null}
        <ErrorAlert error={accept.error ?? dismiss.error} />
      </Stack>
    </Card>
  );
}

function Suggestions({ view }: { view: Inspection }) {
  const { t } = useTranslation();
  if (!view.suggestions.length) return null;
  return (
    <Card withBorder mb="md" data-testid="suggestions">
      <Title order={3} fz="md" mb="xs">{t('findings.suggestions')}</Title>
      <Stack gap="xs">{view.suggestions.map((s) => <SuggestionRow key={s.id} s={s} canRecord={view.can.record} />)}</Stack>
    </Card>
  );
}

const splitIds = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);

function DiscrepancyArea({ view }: { view: Inspection }) {
  const { t } = useTranslation();
  const record = useRecordFinding();
  const [correcting, setCorrecting] = useState<Finding | null>(null);
  const discrepancies = view.findings.filter((f) => f.kind === 'discrepancy');
  const steps = view.findings.filter((f) => f.kind === 'step');
  return (
    <>
      {view.can.record ? (
        <Card withBorder mb="md" data-testid="discrepancy-card">
          <Title order={3} fz="md" mb="xs">{correcting ? t('findings.correctTitle') : t('findings.discrepancyTitle')}</Title>
          <DiscrepancyForm key={correcting?.id ?? 'new'} view={view} correcting={correcting} onDone={() => setCorrecting(null)} />
        </Card>
      ) : null}
      <Card withBorder mb="md" data-testid="findings-card">
        <Title order={3} fz="md" mb="xs">{t('findings.recorded')}</Title>
        <FindingTable
          findings={[...discrepancies, ...steps]}
          actions={view.can.record ? (f) => (f.current && f.kind === 'discrepancy' ? (
            <Group gap={4}>
              <Button size="xs" variant="light" onClick={() => setCorrecting(f)} data-testid="finding-correct">{t('findings.correct')}</Button>
              <Button size="xs" variant="subtle" color="red" loading={record.isPending}
                onClick={() => record.mutate({ orderId: view.order.id, input: { kind: 'discrepancy', type: f.type as DiscrepancyType, severity: f.severity as Severity, corrects: f.id, retracted: true } })}
                data-testid="finding-withdraw">{t('findings.withdraw')}</Button>
            </Group>
          ) : null) : undefined}
        />
        <ErrorAlert error={record.error} />
      </Card>
    </>
  );
}

function DiscrepancyForm({ view, correcting, onDone }: { view: Inspection; correcting: Finding | null; onDone(): void }) {
  const { t } = useTranslation();
  const record = useRecordFinding();
  const [type, setType] = useState<DiscrepancyType>((correcting?.type as DiscrepancyType) ?? 'quantity');
  const [severity, setSeverityState] = useState<Severity>((correcting?.severity as Severity) ?? 'minor');
  // a weight finding suggests its severity from the office's tolerance until the inspector picks one
  const [severityPicked, setSeverityPicked] = useState(!!correcting);
  const setSeverity = (v: Severity) => { setSeverityPicked(true); setSeverityState(v); };
  const [field, setField] = useState(correcting?.field ?? '');
  const [declared, setDeclared] = useState(correcting?.declared ?? '');
  const [observed, setObserved] = useState(correcting?.observed ?? '');
  const [note, setNote] = useState(correcting?.note ?? '');
  const [snapshots, setSnapshots] = useState<string[]>(correcting?.evidence.snapshots ?? []);
  const [readings, setReadings] = useState(correcting?.evidence.readings.join(', ') ?? '');
  const isWeight = type === 'weight';
  const check = isWeight ? weightCheck(declared, observed, view.weightTolerancePct) : null;
  useEffect(() => {
    if (check && !severityPicked) setSeverityState(check.withinTolerance ? 'minor' : 'significant');
  }, [check?.withinTolerance, severityPicked]); // eslint-disable-line react-hooks/exhaustive-deps
  const pickWeightField = (f: string) => {
    setField(f);
    const kg = f === 'grossMassKg' ? view.declaration.grossMassKg : view.declaration.netMassKg;
    if (kg != null) setDeclared(String(kg));
  };
  return (
    <form
      data-testid="discrepancy-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const input: FindingInput = {
          kind: 'discrepancy', type, severity, field: field.trim() || null, declared: declared.trim() || null, observed: observed.trim() || null,
          note: note.trim() || null, evidence: { snapshots, recordings: correcting?.evidence.recordings ?? [], readings: splitIds(readings) },
          ...(correcting ? { corrects: correcting.id } : {}),
        };
        try {
          await record.mutateAsync({ orderId: view.order.id, input });
          setField(''); setDeclared(''); setObserved(''); setNote(''); setSnapshots([]); setReadings('');
          onDone();
        } catch {
          // shown below
        }
      }}
    >
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <NativeSelect {...BIG} label={t('findings.typeLabel')} value={type}
            onChange={(e) => {
              const next = e.currentTarget.value as DiscrepancyType;
              setType(next);
              if (next === 'weight' && !field) pickWeightField(view.declaration.grossMassKg != null ? 'grossMassKg' : 'netMassKg');
            }}
            data={DISCREPANCY_TYPES.map((x) => ({ value: x, label: t(`findings.type.${x}`) }))} data-testid="finding-type" />
          <div>
            <Text size="sm" fw={500} mb={4}>{t('findings.severityLabel')}</Text>
            <Group gap={6}>
              {SEVERITIES.map((s) => (
                <Button key={s} {...BIG} variant={severity === s ? 'filled' : 'default'} color={s === 'critical' ? 'red' : s === 'significant' ? 'orange' : 'yellow'}
                  onClick={() => setSeverity(s)} data-testid={`finding-severity-${s}`} aria-pressed={severity === s}>{t(`findings.severity.${s}`)}</Button>
              ))}
            </Group>
          </div>
          {isWeight ? (
            <NativeSelect {...BIG} label={t('findings.weight.field')} value={field} onChange={(e) => pickWeightField(e.currentTarget.value)} data-testid="finding-field"
              data={WEIGHT_FIELDS.map((f) => ({ value: f, label: t(`findings.weight.${f}`) }))} />
          ) : (
            <TextInput {...BIG} label={t('findings.fieldLabel')} value={field} onChange={(e) => setField(e.currentTarget.value)} maxLength={100} data-testid="finding-field" />
          )}
          <TextInput {...BIG} label={isWeight ? t('findings.weight.declared') : t('findings.declaredLabel')} value={declared} onChange={(e) => setDeclared(e.currentTarget.value)}
            maxLength={1000} inputMode={isWeight ? 'decimal' : undefined} data-testid="finding-declared" />
          <TextInput {...BIG} label={isWeight ? t('findings.weight.observed') : t('findings.observedLabel')} value={observed} onChange={(e) => setObserved(e.currentTarget.value)}
            maxLength={1000} inputMode={isWeight ? 'decimal' : undefined} data-testid="finding-observed" />
          <TextInput {...BIG} label={t('findings.readingsLabel')} description={t('findings.idsHint')} value={readings} onChange={(e) => setReadings(e.currentTarget.value)} data-testid="finding-readings" />
        </SimpleGrid>
        {check ? (
          <Text size="sm" c={check.withinTolerance ? 'teal.8' : 'red.8'} data-testid="weight-check" data-within={String(check.withinTolerance)} role="status">
            {t(check.withinTolerance ? 'findings.weight.within' : 'findings.weight.over', { pct: `${check.differencePct > 0 ? '+' : ''}${check.differencePct.toFixed(1)}`, tolerance: view.weightTolerancePct })}
          </Text>
        ) : null}
        <SnapshotPicker orderId={view.order.id} value={snapshots} onChange={setSnapshots} />
        <Textarea label={t('findings.noteLabel')} value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={4000} autosize minRows={2} data-testid="finding-note" />
        <ErrorAlert error={record.error} />
        <Group justify="flex-end">
          {correcting ? <Button variant="default" {...BIG} onClick={onDone}>{t('common.cancel')}</Button> : null}
          <Button type="submit" {...BIG} loading={record.isPending} data-testid="finding-submit">{correcting ? t('findings.signCorrection') : t('findings.signFinding')}</Button>
        </Group>
        <Text size="xs" c="dimmed">{t('findings.signNotice')}</Text>
      </Stack>
    </form>
  );
}

interface CorrectionRow { field: string; declared: string; corrected: string }

function DecisionForm({ view }: { view: Inspection }) {
  const { t } = useTranslation();
  const propose = useProposeDecision();
  // no outcome is chosen for the inspector (issue 18): a decision is signed only after picking one on purpose
  const [outcome, setOutcome] = useState<DecisionOutcome | null>(null);
  const [reason, setReason] = useState('');
  const [rows, setRows] = useState<CorrectionRow[]>([{ field: '', declared: '', corrected: '' }]);
  const serious = view.findings.some((f) => f.current && f.kind === 'discrepancy' && (f.severity === 'significant' || f.severity === 'critical'));
  const needsApproval = !(outcome === 'release' && !serious);
  const corrections = rows.filter((r) => r.field.trim() && r.corrected.trim()).map((r) => ({ field: r.field.trim(), declared: r.declared.trim() || null, corrected: r.corrected.trim() }));
  return (
    <Card withBorder mb="md" data-testid="decision-form">
      <Title order={3} fz="md" mb="xs">{t('findings.decisionTitle')}</Title>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (!outcome) return;
          try {
            await propose.mutateAsync({
              orderId: view.order.id,
              input: { outcome, ...(reason.trim() ? { reason: reason.trim() } : {}), ...(outcome === 'release_with_correction' ? { corrections } : {}) },
            });
          } catch {
            // shown below
          }
        }}
      >
        <Stack gap="sm">
          <Radio.Group value={outcome ?? ''} onChange={(x) => setOutcome(x as DecisionOutcome)} label={t('findings.outcomeLabel')}>
            <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs" mt={6}>
              {DECISION_OUTCOMES.map((o) => (
                <Card key={o} withBorder p="sm" style={{ cursor: 'pointer' }} onClick={() => setOutcome(o)}>
                  <Radio value={o} label={t(`findings.outcome.${o}`)} size="md" data-testid={`decision-outcome-${o}`} />
                </Card>
              ))}
            </SimpleGrid>
          </Radio.Group>
          {outcome === 'release_with_correction' ? (
            <Stack gap={6} data-testid="corrections">
              <Text size="sm" fw={500}>{t('findings.corrections')}</Text>
              {rows.map((r, i) => (
                <SimpleGrid key={i} cols={{ base: 1, sm: 3 }} spacing="xs">
                  <TextInput placeholder={t('findings.fieldLabel')} value={r.field} onChange={(e) => { const v = e.currentTarget.value; setRows((xs) => xs.map((x, j) => (j === i ? { ...x, field: v } : x))); }} data-testid="correction-field" />
                  <TextInput placeholder={t('findings.declaredLabel')} value={r.declared} onChange={(e) => { const v = e.currentTarget.value; setRows((xs) => xs.map((x, j) => (j === i ? { ...x, declared: v } : x))); }} data-testid="correction-declared" />
                  <TextInput placeholder={t('findings.correctedLabel')} value={r.corrected} onChange={(e) => { const v = e.currentTarget.value; setRows((xs) => xs.map((x, j) => (j === i ? { ...x, corrected: v } : x))); }} data-testid="correction-corrected" />
                </SimpleGrid>
              ))}
              <Group><Button size="xs" variant="subtle" onClick={() => setRows((xs) => [...xs, { field: '', declared: '', corrected: '' }])}>{t('findings.addCorrection')}</Button></Group>
            </Stack>
          ) : null}
          <Textarea label={t('findings.reasonLabel')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={4000} autosize minRows={2}
            required={outcome !== 'release'} data-testid="decision-reason" />
          {outcome ? (
            <Alert color={needsApproval ? 'yellow' : 'green'} variant="light" data-testid="approval-hint" data-needs-approval={String(needsApproval)}>
              {needsApproval ? t('findings.needsApproval') : t('findings.noApproval')}
            </Alert>
          ) : <Text size="sm" c="dimmed" data-testid="choose-outcome">{t('findings.chooseOutcome')}</Text>}
          <ErrorAlert error={propose.error} />
          <Group justify="flex-end">
            <Button type="submit" size="lg" loading={propose.isPending} disabled={!outcome || (outcome !== 'release' && !reason.trim())} data-testid="decision-submit">{t('findings.signDecision')}</Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function DecisionHistory({ view }: { view: Inspection }) {
  const { t } = useTranslation();
  return (
    <Card withBorder mb="md" data-testid="decision-history">
      <Title order={3} fz="md" mb="xs">{t('findings.decisions')}</Title>
      <Stack gap="xs">
        {view.decisions.map((d) => (
          <Group key={d.id} gap="xs" wrap="wrap" data-testid="decision-row" data-status={d.status}>
            <OutcomeBadge outcome={d.outcome} />
            <DecisionStatusBadge status={d.status} />
            <Text size="sm">{d.signer.name}</Text>
            {d.reason ? <Text size="sm" c="dimmed">{d.reason}</Text> : null}
            {d.review ? <Text size="sm" c="dimmed">{t('findings.reviewedBy', { name: d.review.signer.name })}{d.review.reason ? `: ${d.review.reason}` : ''}</Text> : null}
            {d.corrections.map((c, i) => <Text key={i} size="xs">{fieldLabel(t, c.field)}: {c.declared ?? t('common.none')} → {c.corrected}</Text>)}
          </Group>
        ))}
      </Stack>
    </Card>
  );
}
