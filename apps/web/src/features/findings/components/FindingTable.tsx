import type { ReactNode } from 'react';
import { Badge, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { Finding } from '@rvi/contracts';
import { formatDateTime } from '../../../shared/format.ts';
import { SeverityBadge, SignatureBadge } from './FindingBadges.tsx';

/** What a finding says, in one line: the step and its result, or the discrepancy's type. */
export function FindingTitle({ f }: { f: Finding }) {
  const { t } = useTranslation();
  if (f.kind === 'step') {
    return <>{t(`findings.step.${f.stepKey}`, { defaultValue: f.stepKey ?? '' })}: {t(`findings.result.${f.stepResult}`, { defaultValue: f.stepResult ?? '' })}</>;
  }
  return <>{t(`findings.type.${f.type}`, { defaultValue: f.type ?? '' })}</>;
}

function evidenceText(f: Finding, t: TFunction): string {
  const parts = [
    ...f.evidence.snapshots.map((id) => t('findings.ev.snapshot', { id })),
    ...f.evidence.recordings.map((r) => t('findings.ev.recording', { id: r.recordingId ?? '', from: r.start.slice(11, 19), to: r.end.slice(11, 19) })),
    ...f.evidence.readings.map((id) => t('findings.ev.reading', { id })),
  ];
  return parts.join(' · ');
}

/** Findings in signing order with their status (current, corrected, withdrawn) and signature; `actions` per row. */
export function FindingTable({ findings, actions, testId = 'findings-table' }: { findings: Finding[]; actions?: (f: Finding) => ReactNode; testId?: string }) {
  const { t } = useTranslation();
  if (!findings.length) return <Text c="dimmed" size="sm">{t('findings.none')}</Text>;
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table verticalSpacing={6} fz="sm" data-testid={testId}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('findings.col.finding')}</Table.Th>
            <Table.Th>{t('findings.col.declaredObserved')}</Table.Th>
            <Table.Th>{t('findings.col.signed')}</Table.Th>
            <Table.Th>{t('findings.col.status')}</Table.Th>
            {actions ? <Table.Th /> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {findings.map((f) => (
            <Table.Tr key={f.id} data-testid="finding-row" data-kind={f.kind} data-current={String(f.current)} data-finding-id={f.id} style={f.current ? undefined : { opacity: 0.6 }}>
              <Table.Td>
                <Stack gap={2}>
                  <Text size="sm" fw={500}><FindingTitle f={f} /></Text>
                  <SeverityBadge severity={f.severity} />
                  {f.note ? <Text size="xs" c="dimmed">{f.note}</Text> : null}
                  {evidenceText(f, t) ? <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>{evidenceText(f, t)}</Text> : null}
                </Stack>
              </Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>
                {f.kind === 'discrepancy' ? <>{f.field ? <Text size="xs" c="dimmed">{f.field}</Text> : null}{f.declared ?? t('common.none')} → <b>{f.observed ?? t('common.none')}</b></> : null}
              </Table.Td>
              <Table.Td>
                <Stack gap={2}>
                  <Text size="xs">{f.signer.name}</Text>
                  <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>{formatDateTime(f.signature.signedAt)}</Text>
                  <SignatureBadge signature={f.signature} />
                </Stack>
              </Table.Td>
              <Table.Td>
                {f.retracted ? <Badge color="gray" variant="light" style={{ minWidth: 'max-content' }}>{t('findings.status.withdrawal')}</Badge>
                  : f.current ? <Badge color="blue" variant="light" style={{ minWidth: 'max-content' }}>{t('findings.status.current')}</Badge>
                    : <Badge color="gray" variant="light" style={{ minWidth: 'max-content' }}>{t('findings.status.corrected')}</Badge>}
                {f.corrects ? <Text size="xs" c="dimmed">{t('findings.correctsShort')}</Text> : null}
              </Table.Td>
              {actions ? <Table.Td>{actions(f)}</Table.Td> : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
