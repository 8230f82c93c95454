import { useEffect, useRef, useState } from 'react';
import { useMediaQuery } from '@mantine/hooks';
import { useSearchParams } from 'react-router-dom';
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

/** Phone-sized screen (or a touch-only device): the camera is this device's, so no QR code of its own screen. */
export function usePhoneScreen(): boolean {
  return useMediaQuery('(max-width: 47.99em), (pointer: coarse) and (max-width: 62em)', false, { getInitialValueInEffect: false }) ?? false;
}

/**
 * Enterprise portal, for the booked on-site operator: the live inspections waiting for them, and a fresh single-use
 * camera link to open: on a phone an "Open camera" button, on a desktop a QR code to scan with the phone or AR
 * glasses. `?session=ID` (the "session started" notification) gets that session's fresh link at once, and with
 * `&go=1` on a phone goes straight to the camera page. Enterprise users never see the video or the console.
 */
export function OperatorLinkView() {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: ['sessions', 'for-operator'], queryFn: ({ signal }) => api<OperatorSessionList>('/api/sessions/for-operator', { signal }), refetchInterval: 15_000 });
  const issue = useIssueLink();
  const [links, setLinks] = useState<Record<string, DeviceLink>>({});
  const phone = usePhoneScreen();
  const [params] = useSearchParams();
  const wanted = params.get('session');
  const go = params.get('go') === '1';
  const asked = useRef<string | null>(null);
  useEffect(() => {
    if (!wanted || asked.current === wanted || !q.data?.items.some((s) => s.id === wanted)) return;
    asked.current = wanted;
    issue.mutate(wanted, {
      onSuccess: (l) => {
        setLinks((m) => ({ ...m, [wanted]: l }));
        if (go && phone) window.location.assign(l.url);
      },
    });
  }, [wanted, go, phone, q.data, issue]);
  return (
    <Stack>
      <PageHeader title={t('sessions.operator.title')} testId="operator-title" />
      <Text size="sm" c="dimmed">{t('sessions.operator.explain')}</Text>
      {q.isLoading ? <Loading /> : null}
      <ErrorAlert error={q.error ?? issue.error} />
      {q.data && !q.data.items.length ? <Text data-testid="operator-none">{t('sessions.operator.none')}</Text> : null}
      {q.data?.items.map((s) => (
        <Card key={s.id} withBorder data-testid="operator-session" data-session-id={s.id}>
          <Group justify="space-between" mb="xs">
            <Title order={4}>{t('sessions.operator.inspection', { orderNo: s.orderNo })}</Title>
            <SessionStateBadge state={s.state} />
          </Group>
          {links[s.id] ? <DeviceLinkCard link={links[s.id]} onThisDevice={phone} /> : (
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
