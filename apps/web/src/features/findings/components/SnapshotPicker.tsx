import { Image, Group, Paper, SimpleGrid, Text, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../shared/format.ts';
import { useCaseSnapshots } from '../api.ts';

/** The case's snapshots as thumbnails; a click adds or removes one from the finding's evidence (no ids to type). */
export function SnapshotPicker({ orderId, value, onChange }: { orderId: string; value: string[]; onChange(ids: string[]): void }) {
  const { t } = useTranslation();
  const q = useCaseSnapshots(orderId);
  const items = q.data?.items ?? [];
  const toggle = (id: string) => onChange(value.includes(id) ? value.filter((x) => x !== id) : [...value, id]);
  return (
    <div data-testid="snapshot-picker">
      <Text size="sm" fw={500} mb={4}>{t('findings.snapshotsLabel')}</Text>
      {q.isSuccess && !items.length ? <Text size="sm" c="dimmed">{t('findings.noSnapshots')}</Text> : null}
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
        {items.map((m) => {
          const on = value.includes(m.id);
          return (
            <UnstyledButton key={m.id} onClick={() => toggle(m.id)} aria-pressed={on} aria-label={t('findings.pickSnapshot', { name: m.name })} data-testid="snapshot-option" data-media-id={m.id}>
              <Paper withBorder p={4} style={on ? { outline: '3px solid var(--mantine-color-blue-filled)' } : undefined}>
                <Image src={`/api/media/${encodeURIComponent(m.id)}`} alt={m.name} h={90} fit="cover" radius="sm" loading="lazy" />
                <Group justify="space-between" gap={2} mt={2} wrap="nowrap">
                  <Text size="xs" truncate>{m.startedAt ? formatDateTime(m.startedAt) : m.name}</Text>
                  {on ? <Text size="xs" c="blue" fw={700}>✓</Text> : null}
                </Group>
              </Paper>
            </UnstyledButton>
          );
        })}
      </SimpleGrid>
    </div>
  );
}
