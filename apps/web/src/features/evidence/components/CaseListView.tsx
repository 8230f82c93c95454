import { Anchor, Card, Table, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { OrderStateBadge } from '../../orders/components/OrderBadges.tsx';
import { OutcomeBadge } from '../../findings/components/FindingBadges.tsx';
import { useCases } from '../api.ts';

/** The office's inspections (started or decided), newest first; each opens its case story. */
export function CaseListView({ detailPath }: { detailPath: (orderId: string) => string }) {
  const { t } = useTranslation();
  const q = useCases();
  const items = q.data?.items ?? [];
  return (
    <>
      <PageHeader title={t('evidence.casesTitle')} testId="page-title" />
      <ErrorAlert error={q.error} />
      {q.isPending ? <Loading /> : null}
      {!q.isPending && !items.length ? <Text c="dimmed">{t('evidence.casesEmpty')}</Text> : null}
      {items.length ? (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={640}>
            <Table striped verticalSpacing="sm" fz="sm" data-testid="cases">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('orders.fields.orderNo')}</Table.Th>
                  <Table.Th>{t('fields.declarationNo')}</Table.Th>
                  <Table.Th>{t('fields.organisation')}</Table.Th>
                  <Table.Th>{t('fields.status')}</Table.Th>
                  <Table.Th>{t('findings.outcomeLabel')}</Table.Th>
                  <Table.Th>{t('evidence.decidedAt')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((c) => (
                  <Table.Tr key={c.orderId} data-testid="case-row" data-order-id={c.orderId}>
                    <Table.Td><Anchor component={Link} to={detailPath(c.orderId)} data-testid="case-open">{c.orderNo}</Anchor></Table.Td>
                    <Table.Td>{c.declarationNo}</Table.Td>
                    <Table.Td>{c.enterpriseName}</Table.Td>
                    <Table.Td><OrderStateBadge state={c.state} /></Table.Td>
                    <Table.Td>{c.outcome ? <OutcomeBadge outcome={c.outcome} /> : t('common.none')}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{c.decidedAt ? formatDateTime(c.decidedAt) : t('common.none')}</Table.Td>
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
