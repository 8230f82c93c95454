import { useState } from 'react';
import { Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { DeviceLink, OperatorSessionList } from '@rvi/contracts';
import { api } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { useIssueLink } from '../api.ts';
import { DeviceLinkCard } from './DeviceLinkCard.tsx';
import { SessionStateBadge } from './SessionsListView.tsx';

/**
 * Enterprise portal, for the booked on-site operator: the live inspections waiting for them, and a fresh single-use
 * camera link (QR code) to open on the phone or AR glasses. Enterprise users never see the video or the console.
 */
export function OperatorLinkView() {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: ['sessions', 'for-operator'], queryFn: ({ signal }) => api<OperatorSessionList>('/api/sessions/for-operator', { signal }), refetchInterval: 15_000 });
  const issue = useIssueLink();
  const [links, setLinks] = useState<Record<string, DeviceLink>>({});
  return (
    <Stack>
      <PageHeader title={t('sessions.operator.title')} testId="operator-title" />
      <Text size="sm" c="dimmed">{t('sessions.operator.explain')}</Text>
      {q.isLoading ? <Loading /> : null}
      <ErrorAlert error={q.error ?? issue.error} />
      {q.data && !q.data.items.length ? <Text data-testid="operator-none">{t('sessions.operator.none')}</Text> : null}
      {q.data?.items.map((s) => (
        <Card key={s.id} withBorder data-testid="operator-session">
          <Group justify="space-between" mb="xs">
            <Title order={4}>{t('sessions.operator.inspection', { orderNo: s.orderNo })}</Title>
            <SessionStateBadge state={s.state} />
          </Group>
          {links[s.id] ? <DeviceLinkCard link={links[s.id]} /> : (
            <Button data-testid="operator-get-link" loading={issue.isPending && issue.variables === s.id}
              onClick={() => issue.mutate(s.id, { onSuccess: (l) => setLinks((m) => ({ ...m, [s.id]: l })) })}>
              {t('sessions.operator.getLink')}
            </Button>
          )}
        </Card>
      ))}
    </Stack>
  );
}
