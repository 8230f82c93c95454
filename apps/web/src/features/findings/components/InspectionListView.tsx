import { Anchor, Card, SegmentedControl, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { OrderStateBadge } from '../../orders/components/OrderBadges.tsx';
import { useInspections } from '../api.ts';
import { DecisionStatusBadge, OutcomeBadge } from './FindingBadges.tsx';

/** Inspections to record findings for (the inspector's own), open ones by default. */
export function InspectionListView({ detailPath }: { detailPath: (orderId: string) => string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<'open' | 'decided'>('open');
  const q = useInspections({ state });
  const items = q.data?.items ?? [];
  return (
    <>
      <PageHeader title={t('findings.listTitle')} testId="page-title"
        actions={<SegmentedControl value={state} onChange={(v) => setState(v as 'open' | 'decided')} data={[{ value: 'open', label: t('findings.open') }, { value: 'decided', label: t('findings.decidedFilter') }]} data-testid="inspections-filter" />} />
      <ErrorAlert error={q.error} />
      {q.isPending ? <Loading /> : null}
      {!q.isPending && !items.length ? <Text c="dimmed">{t('findings.listEmpty')}</Text> : null}
      {items.length ? (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={640}>
            <Table striped verticalSpacing="sm" fz="sm" data-testid="inspections">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('orders.fields.orderNo')}</Table.Th>
                  <Table.Th>{t('fields.declarationNo')}</Table.Th>
                  <Table.Th>{t('fields.organisation')}</Table.Th>
                  <Table.Th>{t('fields.status')}</Table.Th>
                  <Table.Th>{t('findings.col.discrepancies')}</Table.Th>
                  <Table.Th>{t('findings.decisionTitle')}</Table.Th>
                  <Table.Th>{t('findings.col.updated')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((i) => (
                  <Table.Tr key={i.orderId} data-testid="inspection-row" data-order-id={i.orderId}>
                    <Table.Td><Anchor component={Link} to={detailPath(i.orderId)} data-testid="inspection-open">{i.orderNo}</Anchor></Table.Td>
                    <Table.Td>{i.declarationNo}</Table.Td>
                    <Table.Td>{i.enterpriseName}</Table.Td>
                    <Table.Td><OrderStateBadge state={i.state} /></Table.Td>
                    <Table.Td>{i.findings}</Table.Td>
                    <Table.Td>{i.decision ? <><OutcomeBadge outcome={i.decision.outcome} /> <DecisionStatusBadge status={i.decision.status} /></> : t('common.none')}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(i.updatedAt)}</Table.Td>
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
