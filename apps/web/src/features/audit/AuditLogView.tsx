import { Alert, Button, Code, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../shared/ui/Loading.tsx';
import { PageHeader } from '../../shared/ui/PageHeader.tsx';
import { formatDateTime, formatNumber } from '../../shared/format.ts';
import { useAuditLog, useVerifyAudit } from './api.ts';

export function AuditLogView({ canVerify }: { canVerify: boolean }) {
  const { t } = useTranslation();
  const log = useAuditLog();
  const verify = useVerifyAudit();
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  const v = verify.data;

  return (
    <>
      <PageHeader
        title={t('audit.title')}
        testId="page-title"
        actions={canVerify ? (
          <Button onClick={() => verify.mutate()} loading={verify.isPending} data-testid="verify-chain">{t('audit.verify')}</Button>
        ) : null}
      />
      <Stack gap="sm">
        <ErrorAlert error={verify.error} />
        {v ? (
          <Alert
            color={v.ok ? 'green' : 'red'}
            variant="light"
            role="status"
            title={v.ok ? t('audit.verifyOk') : t('audit.verifyBroken')}
            data-testid="verify-result"
            data-ok={String(v.ok)}
          >
            {v.ok
              ? t('audit.verifyOkText', { count: v.entries, entries: formatNumber(v.entries) })
              : (
                <>
                  {v.firstBroken ? t('audit.verifyBrokenText', { seq: v.firstBroken.seq, entries: formatNumber(v.entries) }) : t('audit.verifyCheckpointText')}
                  {v.firstBroken ? <Text size="sm" mt={4}><Code>{v.firstBroken.problem}</Code> {v.firstBroken.message}</Text> : null}
                  {v.checkpointProblems.map((p, i) => (
                    <Text key={i} size="sm" mt={4} data-testid="checkpoint-problem"><Code>{p.problem}</Code> {p.message}</Text>
                  ))}
                </>
              )}
            <Text size="xs" c="dimmed" mt={4} data-testid="checkpoints-checked">{t('audit.checkpointsChecked', { count: v.checkpointsChecked })}</Text>
          </Alert>
        ) : null}
        <ErrorAlert error={log.error} />
        {log.isPending ? <Loading /> : null}
        {items.length ? (
          <Table.ScrollContainer minWidth={860}>
            <Table striped verticalSpacing={4} fz="sm" data-testid="audit-table">
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
                {items.map((e) => (
                  <Table.Tr key={e.seq} data-testid="audit-row">
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
        ) : !log.isPending && !log.error ? <Text c="dimmed">{t('audit.empty')}</Text> : null}
        {log.hasNextPage ? (
          <Button variant="default" onClick={() => log.fetchNextPage()} loading={log.isFetchingNextPage} data-testid="audit-more">
            {t('audit.older')}
          </Button>
        ) : null}
      </Stack>
    </>
  );
}
