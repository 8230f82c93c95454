import { useRef } from 'react';
import { Anchor, Badge, Box, Button, Card, Code, Group, SimpleGrid, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { CaseMediaView, CaseStory } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { OrderStateBadge } from '../../orders/components/OrderBadges.tsx';
import { DecisionStatusBadge, OutcomeBadge, SignatureBadge } from '../../findings/components/FindingBadges.tsx';
import { FindingTable } from '../../findings/components/FindingTable.tsx';
import { caseReportUrl, evidenceZipUrl, mediaUrl, useCaseStory } from '../api.ts';
import { VerifyCard } from './VerifyCard.tsx';

type Rec = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const when = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? formatDateTime(v) : str(v));

function Section({ n, title, testId, children }: { n: number; title: string; testId: string; children: React.ReactNode }) {
  return (
    <Card withBorder mb="md" data-testid={testId}>
      <Title order={3} fz="md" mb="xs"><Badge variant="light" mr={6}>{n}</Badge>{title}</Title>
      {children}
    </Card>
  );
}

function Facts({ items }: { items: [string, unknown][] }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
      {items.map(([label, value]) => (
        <div key={label}>
          <Text size="xs" c="dimmed">{label}</Text>
          <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>{when(value)}</Text>
        </div>
      ))}
    </SimpleGrid>
  );
}

/** A live session as the case story carries it (see the server's sessions adapter). */
interface SessionInfo {
  sessionId: string;
  state: string;
  inspectorName: string | null;
  connectedAt: string | null;
  endedAt: string | null;
  events?: { seq: number; at: string; kind: string; source: string }[];
  steps?: { ordinal: number; key: string | null; text?: { en: string; 'zh-CN': string }; result: string | null; doneAt: string | null }[];
  readings?: { id: string; snapshotId: string; status: string; at: string }[];
}

interface Marker { at: number; end?: number; kind: 'step' | 'finding' | 'snapshot' | 'reading' | 'range'; label: string }

/** Markers on a recording's timeline: checklist steps and findings (when signed), snapshots, readings, evidence ranges. */
function markersFor(story: CaseStory, rec: CaseMediaView): Marker[] {
  const out: Marker[] = [];
  for (const f of story.findings) {
    out.push({ at: Date.parse(f.signature.signedAt), kind: f.kind === 'step' ? 'step' : 'finding', label: f.kind === 'step' ? `${f.stepKey}: ${f.stepResult}` : `${f.type} (${f.severity})` });
    for (const r of f.evidence.recordings) {
      if (r.recordingId && r.recordingId !== rec.id) continue;
      out.push({ at: Date.parse(r.start), end: Date.parse(r.end), kind: 'range', label: `${f.type ?? f.stepKey}` });
    }
  }
  for (const m of story.media) if (m.kind === 'snapshot' && m.startedAt) out.push({ at: Date.parse(m.startedAt), kind: 'snapshot', label: m.name });
  for (const s of story.suggestions) out.push({ at: Date.parse(s.createdAt), kind: 'reading', label: `${s.field}: ${s.observed ?? ''}` });
  for (const x of story.sessions as SessionInfo[]) {
    for (const st of x.steps ?? []) if (st.doneAt) out.push({ at: Date.parse(st.doneAt), kind: 'step', label: `${st.text?.en ?? st.key ?? ''}: ${st.result ?? ''}` });
    for (const r of x.readings ?? []) out.push({ at: Date.parse(r.at), kind: 'reading', label: `${r.snapshotId} (${r.status})` });
  }
  return out;
}

const MARKER_COLORS: Record<Marker['kind'], string> = { step: '#2f9e44', finding: '#e03131', snapshot: '#1c7ed6', reading: '#ae3ec9', range: 'rgba(224,49,49,0.25)' };

/** A recording with a timeline showing steps, findings, snapshots and readings as markers; a click seeks the player. */
function RecordingPlayer({ story, rec }: { story: CaseStory; rec: CaseMediaView }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const start = rec.startedAt ? Date.parse(rec.startedAt) : NaN;
  const end = rec.endedAt ? Date.parse(rec.endedAt) : NaN;
  const span = end - start;
  const markers = Number.isFinite(span) && span > 0 ? markersFor(story, rec).filter((m) => (m.end ?? m.at) >= start && m.at <= end) : [];
  const pct = (x: number) => `${Math.min(100, Math.max(0, ((x - start) / span) * 100))}%`;
  return (
    <Stack gap={4} data-testid="recording" data-media-id={rec.id}>
      <Text size="sm" fw={500}>{rec.name} · {rec.startedAt ? formatDateTime(rec.startedAt) : ''}</Text>
      <video ref={video} src={mediaUrl(rec.id)} controls preload="metadata" style={{ width: '100%', maxWidth: 720, background: '#000' }} data-testid="player" />
      <Box pos="relative" h={22} maw={720} bg="gray.1" style={{ borderRadius: 4 }} data-testid="timeline">
        {markers.map((m, i) => (
          <Tooltip key={i} label={`${t(`evidence.marker.${m.kind}`)}: ${m.label}`}>
            <Box
              component="button"
              type="button"
              aria-label={`${t(`evidence.marker.${m.kind}`)}: ${m.label}`}
              data-testid="timeline-marker"
              data-kind={m.kind}
              onClick={() => { if (video.current) video.current.currentTime = Math.max(0, (m.at - start) / 1000); }}
              style={{
                position: 'absolute', top: m.kind === 'range' ? 0 : 3, left: pct(m.at), height: m.kind === 'range' ? 22 : 16,
                width: m.end ? `calc(${pct(m.end)} - ${pct(m.at)})` : 6, minWidth: 6, marginLeft: m.end ? 0 : -3, border: 0, padding: 0,
                background: MARKER_COLORS[m.kind], borderRadius: 3, cursor: 'pointer',
              }}
            />
          </Tooltip>
        ))}
      </Box>
      <Group gap="sm">
        {(['step', 'finding', 'snapshot', 'reading'] as const).map((k) => (
          <Group key={k} gap={4}><Box w={10} h={10} style={{ background: MARKER_COLORS[k], borderRadius: 2 }} /><Text size="xs">{t(`evidence.marker.${k}`)}</Text></Group>
        ))}
      </Group>
    </Stack>
  );
}

/**
 * The complete story of one inspection for supervisors and auditors, in workflow order, ending with every audit
 * entry of the case in chain order; the evidence package downloads from here.
 */
export function CaseStoryView({ orderId, canExport }: { orderId: string; canExport: boolean }) {
  const { t, i18n } = useTranslation();
  const q = useCaseStory(orderId);
  if (q.isPending) return <Loading />;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const s = q.data;
  const d = s.declaration as Rec;
  const sel = s.selection as Rec | null;
  const disp = s.dispatch as Rec | null;
  const elig = s.eligibility as Rec | null;
  const recordings = s.media.filter((m) => m.kind === 'recording');
  const snapshots = s.media.filter((m) => m.kind === 'snapshot');
  return (
    <>
      <PageHeader
        title={<>{t('evidence.caseTitle', { orderNo: s.orderNo })} <OrderStateBadge state={s.state} /></>}
        testId="page-title"
        actions={(
          <>
            <Button component="a" variant="light" href={caseReportUrl(orderId, i18n.language === 'zh-CN' ? 'zh-CN' : 'en')} download={`case-report-${s.orderNo}.pdf`} data-testid="download-report">{t('evidence.report')}</Button>
            {canExport ? <Button component="a" href={evidenceZipUrl(orderId)} download={`evidence-${s.orderNo}.zip`} data-testid="download-evidence">{t('evidence.download')}</Button> : null}
          </>
        )}
      />
      <VerifyCard />
      <Section n={1} title={t('evidence.section.declaration')} testId="story-declaration">
        <Facts items={[
          [t('fields.declarationNo'), d.declarationNo], [t('fields.organisation'), d.enterpriseName], [t('fields.hs6'), d.hs6],
          [t('fields.countryOfOrigin'), d.countryOfOrigin], [t('fields.netMassKg'), d.netMassKg], [t('fields.itemPrice'), d.itemPrice],
          [t('evidence.filedAt'), d.createdAt], [t('evidence.source'), d.source],
        ]} />
      </Section>
      <Section n={2} title={t('evidence.section.selection')} testId="story-selection">
        <Facts items={[
          [t('evidence.selectionKind'), sel?.kind ? t(`orders.selection.${String(sel.kind)}`, { defaultValue: String(sel.kind) }) : null], [t('evidence.seed'), sel?.seed], [t('evidence.algorithm'), sel?.algorithm], [t('evidence.rank'), sel?.rank],
          [t('evidence.score'), (s.risk as Rec | null)?.score], [t('evidence.channel'), (s.risk as Rec | null)?.channel], [t('evidence.selectedAt'), sel?.selectedAt],
        ]} />
      </Section>
      <Section n={3} title={t('evidence.section.dispatch')} testId="story-dispatch">
        {disp ? <Facts items={[[t('evidence.seed'), disp.seed], [t('evidence.algorithm'), disp.algorithm], [t('evidence.runDate'), disp.runDate], [t('evidence.inputHash'), disp.inputHash]]} />
          : <Text size="sm" c="dimmed">{t('common.none')}</Text>}
      </Section>
      <Section n={4} title={t('evidence.section.eligibility')} testId="story-eligibility">
        {elig ? <Facts items={[[t('evidence.recommendation'), t(`orders.mode.${String(elig.recommendation)}`)], [t('evidence.decidedMode'), t(`orders.mode.${String(elig.decidedMode)}`)],
          [t('evidence.overridden'), elig.overridden ? t('orders.yes') : t('orders.no')], [t('evidence.reason'), elig.reason]]} />
          : <Text size="sm" c="dimmed">{t('common.none')}</Text>}
      </Section>
      <Section n={5} title={t('evidence.section.booking')} testId="story-booking">
        {s.booking.length ? s.booking.map((b, i) => {
          const a = b as Rec;
          return <Text key={i} size="sm">{when(a.startAt)} – {when(a.endAt)} · {str(a.kind)} · {str(a.status)}</Text>;
        }) : <Text size="sm" c="dimmed">{t('common.none')}</Text>}
      </Section>
      <Section n={6} title={t('evidence.section.session')} testId="story-session">
        {(s.sessions as SessionInfo[]).map((x) => (
          <Stack key={x.sessionId} gap={2} mb="sm" data-testid="story-live-session">
            <Text size="sm" fw={500}>{t('evidence.sessionLine', { state: x.state, from: x.connectedAt ? formatDateTime(x.connectedAt) : '—', to: x.endedAt ? formatDateTime(x.endedAt) : '—' })}</Text>
            {(x.steps ?? []).map((st) => (
              <Text key={st.ordinal} size="xs">{st.ordinal}. {(i18n.language === 'zh-CN' ? st.text?.['zh-CN'] : st.text?.en) ?? st.key} — {st.result ? t(`findings.result.${st.result}`, { defaultValue: st.result }) : t('common.none')}</Text>
            ))}
            {x.events?.length ? <Text size="xs" c="dimmed">{t('evidence.sessionEvents', { count: x.events.length })}</Text> : null}
          </Stack>
        ))}
        {recordings.length ? <Stack gap="md">{recordings.map((r) => <RecordingPlayer key={r.id} story={s} rec={r} />)}</Stack> : <Text size="sm" c="dimmed">{t('evidence.noRecordings')}</Text>}
        {snapshots.length ? (
          <Group gap="xs" mt="sm">
            {snapshots.map((m) => <Anchor key={m.id} href={mediaUrl(m.id)} target="_blank" size="sm" data-testid="snapshot-link">{t('findings.ev.snapshot', { id: m.name })}</Anchor>)}
          </Group>
        ) : null}
      </Section>
      <Section n={7} title={t('evidence.section.findings')} testId="story-findings">
        <FindingTable findings={s.findings} />
      </Section>
      <Section n={8} title={t('evidence.section.decision')} testId="story-decisions">
        {s.decisions.length ? (
          <Stack gap="xs">
            {s.decisions.map((x) => (
              <Stack key={x.id} gap={2} data-testid="story-decision" data-status={x.status}>
                <Group gap="xs"><OutcomeBadge outcome={x.outcome} /><DecisionStatusBadge status={x.status} /><SignatureBadge signature={x.signature} />
                  <Text size="sm">{t('findings.signedBy', { name: x.signer.name, at: formatDateTime(x.signature.signedAt) })}</Text></Group>
                {x.review ? (
                  <Group gap="xs" pl="md" data-testid="story-approval" data-verdict={x.review.verdict}>
                    <Badge color={x.review.verdict === 'approved' ? 'green' : 'red'} variant="light">{t(`evidence.verdict.${x.review.verdict}`)}</Badge>
                    <SignatureBadge signature={x.review.signature} />
                    <Text size="sm">{t('findings.signedBy', { name: x.review.signer.name, at: formatDateTime(x.review.signature.signedAt) })}{x.review.reason ? ` · ${x.review.reason}` : ''}</Text>
                  </Group>
                ) : null}
                {x.releasedAt ? <Text size="sm" pl="md">{t('findings.releasedAt', { at: formatDateTime(x.releasedAt) })}</Text> : null}
              </Stack>
            ))}
          </Stack>
        ) : <Text size="sm" c="dimmed">{t('common.none')}</Text>}
      </Section>
      <Section n={9} title={t('evidence.section.audit', { count: s.audit.length })} testId="story-audit">
        <Table.ScrollContainer minWidth={860}>
          <Table striped verticalSpacing={4} fz="sm" data-testid="case-audit">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.seq')}</Table.Th>
                <Table.Th>{t('audit.at')}</Table.Th>
                <Table.Th>{t('audit.actor')}</Table.Th>
                <Table.Th>{t('audit.action')}</Table.Th>
                <Table.Th>{t('audit.target')}</Table.Th>
                <Table.Th>{t('audit.hash')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {s.audit.map((e) => (
                <Table.Tr key={e.seq} data-testid="case-audit-row" data-seq={e.seq} data-action={e.action}>
                  <Table.Td>{e.seq}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.at)}</Table.Td>
                  <Table.Td>{e.actorRole ? t(`roles.${e.actorRole}`, { defaultValue: e.actorRole }) : t('audit.system')}</Table.Td>
                  <Table.Td><Code>{e.action}</Code></Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : t('common.none')}</Table.Td>
                  <Table.Td><Code title={e.hash}>{e.hash.slice(0, 12)}…</Code></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Section>
    </>
  );
}
