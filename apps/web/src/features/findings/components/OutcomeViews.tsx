import { Anchor, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { EnterpriseOutcome } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useOutcome, useOutcomes } from '../api.ts';
import { useDeclaration } from '../../declarations/api.ts';
import { caseReportUrl } from '../../evidence/api.ts';
import { AmendmentsCard, fieldLabel } from '../../declarations/components/AmendmentsCard.tsx';
import { OutcomeBadge, SeverityBadge } from './FindingBadges.tsx';

function StatusText({ o }: { o: EnterpriseOutcome }) {
  const { t } = useTranslation();
  return o.outcome ? <OutcomeBadge outcome={o.outcome} /> : <Text size="sm" c="dimmed">{t('findings.inInspection')}</Text>;
}

/** The enterprise's inspections with their outcome and release time. */
export function OutcomeListView({ detailPath }: { detailPath: (orderId: string) => string }) {
  const { t } = useTranslation();
  const q = useOutcomes();
  const items = q.data?.items ?? [];
  return (
    <>
      <PageHeader title={t('findings.outcomesTitle')} testId="page-title" />
      <ErrorAlert error={q.error} />
      {q.isPending ? <Loading /> : null}
      {!q.isPending && !items.length ? <Text c="dimmed">{t('findings.outcomesEmpty')}</Text> : null}
      {items.length ? (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={560}>
            <Table striped verticalSpacing="sm" fz="sm" data-testid="outcomes">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('orders.fields.orderNo')}</Table.Th>
                  <Table.Th>{t('fields.declarationNo')}</Table.Th>
                  <Table.Th>{t('findings.outcomeLabel')}</Table.Th>
                  <Table.Th>{t('findings.releaseTime')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((o) => (
                  <Table.Tr key={o.orderId} data-testid="outcome-row" data-order-id={o.orderId} data-outcome={o.outcome ?? ''}>
                    <Table.Td><Anchor component={Link} to={detailPath(o.orderId)} data-testid="outcome-open">{o.orderNo}</Anchor></Table.Td>
                    <Table.Td>{o.declarationNo}</Table.Td>
                    <Table.Td><StatusText o={o} /></Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{o.releasedAt ? formatDateTime(o.releasedAt) : t('common.none')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      ) : null}
    </>
  );
}

/** One inspection's outcome for the enterprise: decision, release time, corrections and the findings about its goods. */
export function OutcomeDetailView({ orderId }: { orderId: string }) {
  const { t, i18n } = useTranslation();
  const q = useOutcome(orderId);
  const declaration = useDeclaration(q.data?.declarationId ?? '', !!q.data?.corrections.length);
  if (q.isPending) return <Loading />;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const o = q.data;
  return (
    <>
      <PageHeader
        title={t('findings.outcomeTitle', { orderNo: o.orderNo })}
        testId="page-title"
        actions={o.status === 'decided' ? (
          <Button component="a" variant="light" href={caseReportUrl(o.orderId, i18n.language === 'zh-CN' ? 'zh-CN' : 'en')} download={`case-report-${o.orderNo}.pdf`} data-testid="download-report">
            {t('evidence.report')}
          </Button>
        ) : null}
      />
      <Card withBorder mb="md" data-testid="outcome-summary" data-outcome={o.outcome ?? ''}>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <div><Text size="xs" c="dimmed">{t('fields.declarationNo')}</Text><Text size="sm" fw={500}>{o.declarationNo}</Text></div>
          <div><Text size="xs" c="dimmed">{t('findings.outcomeLabel')}</Text><StatusText o={o} /></div>
          <div><Text size="xs" c="dimmed">{t('findings.releaseTime')}</Text><Text size="sm" fw={500} data-testid="released-at">{o.releasedAt ? formatDateTime(o.releasedAt) : t('common.none')}</Text></div>
        </SimpleGrid>
      </Card>
      {o.corrections.length ? (
        <Card withBorder mb="md" data-testid="outcome-corrections">
          <Title order={3} fz="md" mb="xs">{t('findings.correctionsRequired')}</Title>
          <Stack gap={4}>
            {o.corrections.map((c, i) => (
              <Text key={i} size="sm" data-testid="outcome-correction">
                {t('findings.correctionInWords', { field: fieldLabel(t, c.field), declared: c.declared ?? t('common.none'), corrected: c.corrected })}
              </Text>
            ))}
          </Stack>
          {declaration.data?.can.amend ? <Text size="sm" c="dimmed" mt="xs">{t('findings.amendBelow')}</Text> : null}
        </Card>
      ) : null}
      {declaration.data ? <AmendmentsCard d={declaration.data} prefill={o.corrections} /> : null}
      <Card withBorder mb="md" data-testid="outcome-findings">
        <Title order={3} fz="md" mb="xs">{t('findings.aboutGoods')}</Title>
        {o.findings.length === 0 ? <Text size="sm" c="dimmed">{t('findings.noDiscrepancies')}</Text> : (
          <Stack gap="xs">
            {o.findings.map((f) => (
              <Group key={f.id} gap="xs" wrap="wrap" data-testid="outcome-finding">
                <Text size="sm" fw={500}>{t(`findings.type.${f.type}`, { defaultValue: f.type ?? '' })}</Text>
                <SeverityBadge severity={f.severity} />
                <Text size="sm">{f.field ? `${f.field}: ` : ''}{f.declared ?? t('common.none')} → <b>{f.observed ?? t('common.none')}</b></Text>
              </Group>
            ))}
          </Stack>
        )}
      </Card>
    </>
  );
}
