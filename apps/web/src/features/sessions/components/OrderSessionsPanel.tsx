import { Anchor, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { useSession, useSessions } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { RecordingList, SnapshotGallery } from './MediaPanel.tsx';
import { SessionStateBadge } from './SessionsListView.tsx';
import { StartSessionButton } from './StartSessionButton.tsx';

function SessionMedia({ id }: { id: string }) {
  const q = useSession(id);
  if (!q.data) return <ErrorAlert error={q.error} />;
  return (
    <Stack gap="xs">
      <RecordingList recordings={q.data.recordings} />
      <SnapshotGallery snapshots={q.data.snapshots} />
    </Stack>
  );
}

/**
 * The live sessions of one inspection order, for the order page: state, link to the console, and once ended the
 * recordings (playable, with SHA-256 and duration) and snapshots. `canStart` shows "start live session".
 */
export function OrderSessionsPanel({ orderId, consolePath, canStart }: { orderId: string; consolePath: (id: string) => string; canStart?: boolean }) {
  const { t } = useTranslation();
  const q = useSessions({ orderId });
  const items = q.data?.items ?? [];
  return (
    <Card withBorder data-testid="order-sessions">
      <Group justify="space-between" mb="xs">
        <Title order={4}>{t('sessions.list.title')}</Title>
        {canStart && !items.some((s) => s.state !== 'ended') ? <StartSessionButton orderId={orderId} consolePath={consolePath} /> : null}
      </Group>
      <ErrorAlert error={q.error} />
      {q.data && !items.length ? <Text size="sm" c="dimmed">{t('sessions.list.noneOpen')}</Text> : null}
      <Stack gap="md">
        {items.map((s) => (
          <Stack key={s.id} gap="xs">
            <Group gap="xs">
              <Anchor component={Link} to={consolePath(s.id)}>{formatDateTime(s.createdAt)}</Anchor>
              <SessionStateBadge state={s.state} />
            </Group>
            {s.state === 'ended' ? <SessionMedia id={s.id} /> : null}
          </Stack>
        ))}
      </Stack>
    </Card>
  );
}
