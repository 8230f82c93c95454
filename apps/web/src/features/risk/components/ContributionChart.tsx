import { Box, Table, Text, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../../shared/format.ts';
import type { ExplanationFactor } from '../figures.ts';
import { ChartOrTable } from './ChartOrTable.tsx';

const UP = 'var(--mantine-color-red-6)';
const DOWN = 'var(--mantine-color-teal-6)';

const signed = (v: number, digits = 2) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${formatNumber(Math.abs(v), digits)}`;
/** the group's plain-words name in the user's language (the model's own English words if there is none) */
const groupKey = (f: ExplanationFactor) => `risk.group.${f.group.replace(':', '_')}`;

/**
 * Why a score is what it is: the factors pushing it up (red, to the right) and down (green, to the left) as a
 * diverging horizontal bar chart, each with the declaration's own value, plus the same as a table.
 */
export function ContributionChart({ factors }: { factors: ExplanationFactor[] }) {
  const { t } = useTranslation();
  const directionText = (f: ExplanationFactor) => (f.direction === 'up' ? t('risk.explain.raises') : t('risk.explain.lowers'));
  const label = (f: ExplanationFactor) => (f.group ? t(groupKey(f), { defaultValue: f.label }) : f.label);
  // percentage points of the score when it is known, else the model's log-odds
  const amount = (f: ExplanationFactor) => (f.points !== null ? t('risk.explain.points', { value: signed(f.points, 1) }) : signed(f.contribution));

  const chart = (
    <Box
      role="list"
      aria-label={t('risk.explain.chartLabel', { up: factors.filter((f) => f.direction === 'up').length, down: factors.filter((f) => f.direction === 'down').length })}
      data-testid="explanation-chart"
    >
      {factors.map((f, i) => (
        <Box key={`${f.direction}-${i}`} py={6} style={{ borderTop: i ? '1px solid var(--mantine-color-gray-2)' : undefined }} role="listitem" data-testid="explanation-factor" data-direction={f.direction}>
          <Text size="sm" fw={500} lh={1.3}>{label(f)}</Text>
          {f.input ? <Text size="xs" c="dimmed" lh={1.3} style={{ overflowWrap: 'anywhere' }}>{f.input}</Text> : null}
          {/* the bar: a centre line, the bar grows left (lowers) or right (raises) in proportion to the contribution */}
          <Box style={{ display: 'grid', gridTemplateColumns: '1fr 1fr auto', alignItems: 'center', gap: 0, marginTop: 4 }}>
            <Box aria-hidden style={{ display: 'flex', justifyContent: 'flex-end', borderRight: '1px solid var(--mantine-color-gray-5)', height: 14 }}>
              {f.direction === 'down' ? <Box style={{ width: `${Math.max(2, f.magnitude * 100)}%`, background: DOWN, borderRadius: '3px 0 0 3px' }} /> : null}
            </Box>
            <Box aria-hidden style={{ display: 'flex', height: 14 }}>
              {f.direction === 'up' ? <Box style={{ width: `${Math.max(2, f.magnitude * 100)}%`, background: UP, borderRadius: '0 3px 3px 0' }} /> : null}
            </Box>
            <Text size="xs" ff="monospace" ml={8} miw={48} ta="right" c={f.direction === 'up' ? 'red.8' : 'teal.8'} data-testid="explanation-points">
              <VisuallyHidden>{directionText(f)} </VisuallyHidden>{amount(f)}
            </Text>
          </Box>
        </Box>
      ))}
      <Box style={{ display: 'grid', gridTemplateColumns: '1fr 1fr auto', marginTop: 2 }} aria-hidden>
        <Text size="xs" c="dimmed" ta="left">← {t('risk.explain.lowers')}</Text>
        <Text size="xs" c="dimmed" ta="right">{t('risk.explain.raises')} →</Text>
        <Box miw={56} />
      </Box>
    </Box>
  );

  const table = (
    <Table.ScrollContainer minWidth={480}>
      <Table fz="sm" verticalSpacing={4} striped data-testid="explanation-table">
        <caption style={{ captionSide: 'bottom', textAlign: 'left', fontSize: 'var(--mantine-font-size-xs)', color: 'var(--mantine-color-dimmed)', paddingTop: 4 }}>
          {t('risk.explain.contributionNote')}
        </caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('risk.explain.factor')}</Table.Th>
            <Table.Th>{t('risk.explain.value')}</Table.Th>
            <Table.Th>{t('risk.explain.effect')}</Table.Th>
            <Table.Th ta="right">{factors.some((f) => f.points !== null) ? t('risk.explain.pointsColumn') : t('risk.explain.contribution')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {factors.map((f, i) => (
            <Table.Tr key={`${f.direction}-${i}`}>
              <Table.Td>{label(f)}</Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>{f.input || t('common.none')}</Table.Td>
              <Table.Td>{directionText(f)}</Table.Td>
              <Table.Td ta="right" ff="monospace">{amount(f)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );

  return <ChartOrTable title={t('risk.explain.title')} chart={chart} table={table} testId="explanation" />;
}
