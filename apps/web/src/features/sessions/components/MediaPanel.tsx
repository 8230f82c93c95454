import { Anchor, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { SnapshotReadingView } from '../../vision/SnapshotReadingView.tsx';
import { useTranslation } from 'react-i18next';
import type { RecordingView, SnapshotView } from '@rvi/contracts';
import { formatBytes, formatDuration, formatTime } from '../format.ts';

/** Snapshots as they arrive (full resolution, with their SHA-256). */
export function SnapshotGallery({ snapshots }: { snapshots: SnapshotView[] }) {
  const { t } = useTranslation();
  if (!snapshots.length) return <Text size="sm" c="dimmed">{t('sessions.media.noSnapshots')}</Text>;
  return (
    <SimpleGrid cols={2} spacing="xs" data-testid="snapshot-gallery">
      {snapshots.map((s) => (
        <Stack key={s.id} gap={2} data-testid="snapshot" data-snapshot-id={s.id} data-sha256={s.sha256} data-width={s.width} data-height={s.height}>
          {/* The snapshot with the vision module's readings drawn over it: matches green, mismatches red. */}
          <Anchor href={s.url} target="_blank" rel="noreferrer" aria-label={t('sessions.media.snapshotAlt', { time: formatTime(s.takenAt) })}><SnapshotReadingView snapshot={s} /></Anchor>
          <Text size="xs">{s.width}×{s.height} · {formatBytes(s.bytes)} · {formatTime(s.takenAt)}</Text>
          <Text size="xs" c="dimmed" ff="monospace" style={{ wordBreak: 'break-all' }}>SHA-256 {s.sha256}</Text>
        </Stack>
      ))}
    </SimpleGrid>
  );
}

/** Recording segments of the session, playable (the server answers range requests, so the player seeks). */
export function RecordingList({ recordings }: { recordings: RecordingView[] }) {
  const { t } = useTranslation();
  if (!recordings.length) return <Text size="sm" c="dimmed">{t('sessions.media.noRecordings')}</Text>;
  return (
    <Stack gap="sm" data-testid="recordings">
      {recordings.map((r) => (
        <Stack key={r.id} gap={2} data-testid="recording" data-recording-id={r.id} data-sha256={r.sha256} data-duration-ms={r.durationMs} data-track={r.track}>
          {r.track === 'inspector'
            ? <audio src={r.url} controls preload="metadata" style={{ width: '100%' }} />
            : <video src={r.url} controls preload="metadata" style={{ width: '100%', maxHeight: 320, background: '#000' }} />}
          <Group gap="xs">
            {r.track === 'inspector' ? <Text size="xs" fw={600}>{t('sessions.media.inspectorTrack')} · {formatTime(r.startedAt)}</Text> : null}
            <Text size="xs">{t('sessions.media.segment', { index: r.index, duration: formatDuration(r.durationMs), size: formatBytes(r.bytes) })}</Text>
            <Text size="xs" c="dimmed">{t(`sessions.media.reason.${r.reason}`, { defaultValue: r.reason })}{r.recovered ? ` · ${t('sessions.media.recovered')}` : ''}</Text>
            <Anchor size="xs" href={r.url} download>{t('sessions.media.download')}</Anchor>
          </Group>
          <Text size="xs" c="dimmed" ff="monospace" style={{ wordBreak: 'break-all' }}>SHA-256 {r.sha256}</Text>
        </Stack>
      ))}
    </Stack>
  );
}
