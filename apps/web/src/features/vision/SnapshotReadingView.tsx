import { Badge, Group, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSnapshotReading, type Compared, type Point } from './api.ts';

const GREEN = '#2f9e44';
const RED = '#e03131';
const GREY = '#868e96';
const BLUE = '#1c7ed6';
/** Objects shown on the snapshot: the detector's confident ones (weaker guesses only clutter the picture). */
const OBJECT_MIN_SCORE = 0.35;

function poly(box: Point[]): string {
  return box.map(([x, y]) => `${x},${y}`).join(' ');
}

/**
 * A snapshot with what the vision module read drawn over it: every text box thin grey, fields that match the
 * declaration green, mismatches (suggested findings) red; below, the readings as a table. Nothing is decided here:
 * the inspector accepts or dismisses the suggestions in the findings panel.
 */
export function SnapshotReadingView({ snapshot }: { snapshot: { id: string; url: string; width: number; height: number } }) {
  const { t } = useTranslation();
  const q = useSnapshotReading(snapshot.id);
  const r = q.data?.reading ?? null;
  const cmp = q.data?.comparison ?? null;
  const w = r?.width ?? snapshot.width;
  const h = r?.height ?? snapshot.height;
  const objects = (r?.objects ?? []).filter((o) => o.score >= OBJECT_MIN_SCORE);
  const marks: { c: Compared; ok: boolean }[] = [
    ...(cmp?.matches ?? []).map((c) => ({ c, ok: true })),
    ...(cmp?.findings ?? []).map((c) => ({ c, ok: false })),
  ];
  return (
    <Stack gap={4} data-testid="snapshot-reading" data-status={q.data?.status ?? 'loading'} data-objects={r?.objectsStatus ?? 'none'}>
      <div style={{ position: 'relative', width: '100%' }}>
        <img src={snapshot.url} alt={t('vision.snapshotAlt')} style={{ width: '100%', display: 'block', borderRadius: 4 }} />
        {r && (
          <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }} role="img" aria-label={t('vision.overlayLabel')}>
            {r.lines.map((l, i) => <polygon key={`l${i}`} points={poly(l.box)} fill="none" stroke={GREY} strokeWidth={Math.max(1, w / 800)} opacity={0.6} />)}
            {objects.map((o, i) => (
              <g key={`o${i}`} data-testid="object-box" data-class={o.class}>
                <rect x={o.box[0]} y={o.box[1]} width={o.box[2]} height={o.box[3]} fill="none" stroke={BLUE} strokeWidth={Math.max(2, w / 400)} />
                <text x={o.box[0] + 4} y={o.box[1] + Math.max(12, w / 50)} fill={BLUE} fontSize={Math.max(12, w / 50)} fontFamily="sans-serif">{o.class} {Math.round(o.score * 100)}%</text>
              </g>
            ))}
            {marks.map(({ c, ok }, i) => (
              <polygon key={`m${i}`} points={poly(c.evidence.box)} fill={ok ? 'rgba(47,158,68,0.15)' : 'rgba(224,49,49,0.2)'} stroke={ok ? GREEN : RED} strokeWidth={Math.max(2, w / 300)} data-testid={ok ? 'reading-match' : 'reading-mismatch'} />
            ))}
          </svg>
        )}
      </div>
      {q.data?.status === 'pending' || q.isLoading ? <Text size="xs" c="dimmed">{t('vision.reading')}</Text> : null}
      {q.data?.status === 'failed' ? <Text size="xs" c="red">{t('vision.failed')}</Text> : null}
      {/* labels first: the objects in view are added to the same reading a moment later (refreshed live) */}
      {r?.objectsStatus === 'pending' ? <Text size="xs" c="dimmed" data-testid="objects-pending">{t('vision.findingObjects')}</Text> : null}
      {r?.objectsStatus === 'failed' ? <Text size="xs" c="orange">{t('vision.objectsFailed')}</Text> : null}
      {marks.length > 0 && (
        <Table fz="xs" withTableBorder aria-label={t('vision.tableLabel')}>
          <Table.Thead><Table.Tr><Table.Th>{t('vision.field')}</Table.Th><Table.Th>{t('vision.declared')}</Table.Th><Table.Th>{t('vision.observed')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {marks.map(({ c, ok }, i) => (
              <Table.Tr key={i}>
                <Table.Td>{t(`vision.fields.${c.field}`, { defaultValue: c.field })}</Table.Td>
                <Table.Td>{c.declared}</Table.Td>
                <Table.Td>{c.observed}</Table.Td>
                <Table.Td><Badge size="xs" color={ok ? 'green' : 'red'}>{ok ? t('vision.match') : t('vision.mismatch')}</Badge></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {r && (
        <Group gap={4}>
          {r.containerNumbers.map((n) => <Badge key={n} size="xs" variant="light">{n}</Badge>)}
          {r.sealNumbers.map((n) => <Badge key={n} size="xs" variant="light" color="grape">{t('vision.seal')} {n}</Badge>)}
          {(r.unverifiedContainerNumbers ?? []).length > 0 && <Text size="xs" c="orange">{t('vision.unverified', { list: r.unverifiedContainerNumbers!.join(', ') })}</Text>}
          {objects.length > 0 && <Text size="xs" c="blue">{t('vision.objectsSeen', { list: summarizeObjects(objects) })}</Text>}
          {q.data?.ms != null && <Text size="xs" c="dimmed">{t('vision.readIn', { ms: Math.round(q.data.ms) })}</Text>}
        </Group>
      )}
    </Stack>
  );
}

/** "3 × bicycle, 1 × person" */
function summarizeObjects(objects: { class: string }[]): string {
  const n = new Map<string, number>();
  for (const o of objects) n.set(o.class, (n.get(o.class) ?? 0) + 1);
  return [...n].map(([c, k]) => `${k} × ${c}`).join(', ');
}
