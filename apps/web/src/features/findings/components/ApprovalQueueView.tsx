import { useState } from 'react';
import { Anchor, Button, Card, Group, Stack, Text, Textarea, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { ApprovalQueue } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useApproveDecision, usePendingApprovals, useRejectDecision } from '../api.ts';
import { OutcomeBadge, SignatureBadge } from './FindingBadges.tsx';
import { FindingTable } from './FindingTable.tsx';
import { fieldLabel } from '../../declarations/components/AmendmentsCard.tsx';

type Item = ApprovalQueue['items'][number];

function ApprovalCard({ item, casePath }: { item: Item; casePath: (orderId: string) => string }) {
  const { t } = useTranslation();
  const approve = useApproveDecision();
  const reject = useRejectDecision();
  const [reason, setReason] = useState('');
  const d = item.decision;
  return (
    <Card withBorder data-testid="approval" data-decision-id={d.id} data-order-no={item.orderNo}>
      <Group justify="space-between" wrap="wrap" mb="xs">
        <Group gap="xs">
          <Title order={3} fz="md">{item.orderNo}</Title>
          <OutcomeBadge outcome={d.outcome} />
          <SignatureBadge signature={d.signature} />
        </Group>
        <Anchor component={Link} to={casePath(d.orderId)} size="sm">{t('findings.openCase')}</Anchor>
      </Group>
      <Text size="sm">{item.declarationNo} · {item.enterpriseName}</Text>
      <Text size="sm" c="dimmed">{t('findings.signedBy', { name: d.signer.name, at: formatDateTime(d.signature.signedAt) })}</Text>
      {d.reason ? <Text size="sm" mt={4}>{d.reason}</Text> : null}
      {d.corrections.length ? (
        <Stack gap={2} mt={4}>{d.corrections.map((c, i) => <Text key={i} size="sm">{fieldLabel(t, c.field)}: {c.declared ?? t('common.none')} → <b>{c.corrected}</b></Text>)}</Stack>
      ) : null}
      <Title order={4} fz="sm" mt="sm" mb={4}>{t('findings.basedOn')}</Title>
      <FindingTable findings={item.findings} testId="approval-findings" />
      <Stack gap="xs" mt="sm">
        <Textarea label={t('findings.reviewReason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={4000} autosize minRows={2} data-testid="review-reason" />
        <ErrorAlert error={approve.error ?? reject.error} />
        <Group justify="flex-end">
          <Button size="md" color="red" variant="light" disabled={reason.trim().length < 3} loading={reject.isPending}
            onClick={() => reject.mutate({ id: d.id, reason: reason.trim() })} data-testid="review-reject">{t('findings.reject')}</Button>
          <Button size="md" loading={approve.isPending} onClick={() => approve.mutate({ id: d.id, reason: reason.trim() || undefined })} data-testid="review-approve">{t('findings.approve')}</Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** Supervisor's queue of decisions waiting for a second person's approval (four eyes), oldest first. */
export function ApprovalQueueView({ casePath }: { casePath: (orderId: string) => string }) {
  const { t } = useTranslation();
  const q = usePendingApprovals();
  const items = q.data?.items ?? [];
  return (
    <>
      <PageHeader title={t('findings.approvalsTitle')} testId="page-title" />
      <ErrorAlert error={q.error} />
      {q.isPending ? <Loading /> : null}
      {!q.isPending && !items.length ? <Text c="dimmed" data-testid="approvals-empty">{t('findings.approvalsEmpty')}</Text> : null}
      <Stack gap="md" data-testid="approvals">{items.map((i) => <ApprovalCard key={i.decision.id} item={i} casePath={casePath} />)}</Stack>
    </>
  );
}
