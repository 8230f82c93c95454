import { Box, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { pct } from '../percent.ts';

export interface Importance { name: string; label: string; share: number }

/**
 * Feature importances (share of the model's total split gain) as a bar list. It is a table with a bar in each row,
 * so the figures are readable without the picture.
 */
export function ImportanceList({ items, limit = 15 }: { items: Importance[]; limit?: number }) {
  const { t } = useTranslation();
  const shown = items.filter((i) => Number.isFinite(i.share) && i.share > 0).slice(0, limit);
  if (!shown.length) return <Text size="sm" c="dimmed">{t('riskModel.importance.none')}</Text>;
  const max = Math.max(...shown.map((i) => i.share));
  return (
    <Table fz="sm" verticalSpacing={3} data-testid="importance-table">
      <caption style={{ captionSide: 'bottom', textAlign: 'left', fontSize: 'var(--mantine-font-size-xs)', color: 'var(--mantine-color-dimmed)', paddingTop: 4 }}>
        {t('riskModel.importance.note')}
      </caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t('riskModel.importance.feature')}</Table.Th>
          <Table.Th scope="col" w="40%">{t('riskModel.importance.share')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {shown.map((i) => (
          <Table.Tr key={i.name} data-testid="importance-row">
            <Table.Td title={i.name} style={{ overflowWrap: 'anywhere' }}>{i.label}</Table.Td>
            <Table.Td>
              <Box style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
                <Box aria-hidden style={{ flex: 1, height: 10, background: 'var(--mantine-color-gray-1)', borderRadius: 2 }}>
                  <Box style={{ width: `${(i.share / max) * 100}%`, height: '100%', background: 'var(--mantine-color-blue-6)', borderRadius: 2 }} />
                </Box>
                <Text size="xs" ff="monospace" miw={52} ta="right">{pct(i.share)}</Text>
              </Box>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
