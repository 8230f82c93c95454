import { useId } from 'react';
import { Box, Group, Table, Text } from '@mantine/core';
import { useElementSize } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { ChartOrTable } from '../../risk/components/ChartOrTable.tsx';
import { niceTicks } from '../chart-scale.ts';

export interface BarSeries {
  key: string;
  label: string;
  color: string;
  values: (number | null)[];
}

interface Props {
  title: string;
  testId: string;
  categories: string[];
  series: BarSeries[];
  format(v: number): string;
  /** Header of the category column in the table view. */
  categoryLabel: string;
  height?: number;
  /** Counts: whole-number ticks. */
  integer?: boolean;
}

const PAD = { left: 44, right: 12, top: 12, bottom: 34 };

/**
 * Grouped bars (one group per category, one bar per series) drawn at the size they are shown, with the same figures
 * as a table: the table is the accessible view; the SVG has a title and a text description of every value.
 */
export function BarChart({ title, testId, categories, series, format, categoryLabel, height = 220, integer = false }: Props) {
  const { t } = useTranslation();
  const titleId = useId();
  const descId = useId();
  const { ref, width: measured } = useElementSize();
  const width = Math.max(280, Math.round(measured) || 640);
  const ticks = niceTicks(Math.max(0, ...series.flatMap((s) => s.values.map((v) => v ?? 0))), integer);
  const max = ticks[ticks.length - 1];
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const groupW = categories.length ? plotW / categories.length : plotW;
  const barW = Math.max(2, Math.min(40, (groupW * 0.8) / Math.max(1, series.length)));
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  // Every nth label so they do not overlap on narrow screens or long periods.
  const labelEvery = Math.max(1, Math.ceil((categories.length * 56) / plotW));
  const describe = categories.map((c, i) => `${c}: ${series.map((s) => `${s.label} ${s.values[i] === null ? t('dashboard.noData') : format(s.values[i]!)}`).join(', ')}`).join('; ');

  const chart = (
    <Box ref={ref}>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-labelledby={`${titleId} ${descId}`} style={{ display: 'block', fontFamily: 'inherit' }} data-testid={`${testId}-svg`}>
        <title id={titleId}>{title}</title>
        <desc id={descId}>{describe}</desc>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={width - PAD.right} y1={y(v)} y2={y(v)} stroke="var(--mantine-color-gray-3)" />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" fontSize={11} fill="var(--mantine-color-gray-7)">{format(v)}</text>
          </g>
        ))}
        {categories.map((c, i) => {
          const x0 = PAD.left + i * groupW + (groupW - barW * series.length) / 2;
          return (
            <g key={c}>
              {series.map((s, j) => {
                const v = s.values[i];
                if (v === null || v <= 0) return null;
                return (
                  <rect key={s.key} x={x0 + j * barW} y={y(v)} width={barW - 1} height={Math.max(1, y(0) - y(v))} fill={s.color}>
                    <title>{`${c} · ${s.label}: ${format(v)}`}</title>
                  </rect>
                );
              })}
              {i % labelEvery === 0 ? (
                <text x={PAD.left + i * groupW + groupW / 2} y={height - PAD.bottom + 16} textAnchor="middle" fontSize={11} fill="var(--mantine-color-gray-7)">{c}</text>
              ) : null}
            </g>
          );
        })}
        <line x1={PAD.left} x2={width - PAD.right} y1={y(0)} y2={y(0)} stroke="var(--mantine-color-gray-6)" />
      </svg>
      <Group gap="md" mt={4} aria-hidden>
        {series.map((s) => (
          <Group key={s.key} gap={4}>
            <Box w={12} h={12} style={{ background: s.color, borderRadius: 2 }} />
            <Text size="xs">{s.label}</Text>
          </Group>
        ))}
      </Group>
    </Box>
  );

  const table = (
    <Table.ScrollContainer minWidth={320}>
      <Table striped fz="sm" verticalSpacing={4} data-testid={`${testId}-table`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{categoryLabel}</Table.Th>
            {series.map((s) => <Table.Th key={s.key} scope="col" ta="right">{s.label}</Table.Th>)}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {categories.map((c, i) => (
            <Table.Tr key={c}>
              <Table.Th scope="row" fw={400}>{c}</Table.Th>
              {series.map((s) => <Table.Td key={s.key} ta="right">{s.values[i] === null ? '—' : format(s.values[i]!)}</Table.Td>)}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );

  if (!categories.length) return <Text size="sm" c="dimmed" data-testid={testId}>{t('dashboard.noData')}</Text>;
  return <ChartOrTable title={title} chart={chart} table={table} testId={testId} />;
}

export const REMOTE_COLOR = 'var(--mantine-color-teal-7)';
export const ONSITE_COLOR = 'var(--mantine-color-orange-7)';
export const RISK_COLOR = 'var(--mantine-color-red-7)';
export const RANDOM_COLOR = 'var(--mantine-color-blue-7)';
