import { useId } from 'react';
import { Box, Group, Table, Text } from '@mantine/core';
import { useElementSize } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { pct } from '../percent.ts';
import { curveGeometry, type ChartBox, type CurvePoint } from '../figures.ts';
import { ChartOrTable } from './ChartOrTable.tsx';

const BOX: ChartBox = { width: 640, height: 240, left: 44, right: 16, top: 14, bottom: 26 };
const PRECISION = 'var(--mantine-color-blue-7)';
const RECALL = 'var(--mantine-color-orange-7)';
const MARK = 'var(--mantine-color-gray-6)';

/**
 * Precision (share of inspected declarations that turn out to be fraud) and recall (share of all frauds caught) at
 * each inspection rate, on the model's validation window; an SVG line chart on a log scale of the rate, with the
 * office's configured rate marked, and the same figures as a table.
 */
export function PrecisionCurveChart({ points, officeRate }: { points: CurvePoint[]; officeRate?: number | null }) {
  const { t } = useTranslation();
  const titleId = useId();
  const descId = useId();
  // Drawn at the size it is shown (not scaled from a fixed viewBox), so labels keep a readable size on any screen.
  const { ref, width } = useElementSize();
  const box: ChartBox = { ...BOX, width: Math.max(280, Math.round(width) || BOX.width) };
  const g = curveGeometry(points, box);
  const showMark = officeRate != null && points.length > 1 && officeRate >= points[0].share && officeRate <= points[points.length - 1].share;
  const yBottom = box.height - box.bottom;

  const chart = (
    <Box ref={ref}>
      <svg
        viewBox={`0 0 ${box.width} ${box.height}`}
        width="100%"
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        style={{ display: 'block', fontFamily: 'inherit' }}
        data-testid="curve-svg"
      >
        <title id={titleId}>{t('riskModel.curve.title')}</title>
        <desc id={descId}>
          {points.map((p) => t('riskModel.curve.pointText', { rate: pct(p.share), precision: pct(p.precision), recall: pct(p.recall) })).join('; ')}
        </desc>
        {g.yTicks.map((tk) => (
          <g key={tk.value}>
            <line x1={box.left} x2={box.width - box.right} y1={tk.y} y2={tk.y} stroke="var(--mantine-color-gray-3)" strokeWidth={1} />
            <text x={box.left - 6} y={tk.y + 4} textAnchor="end" fontSize={11} fill="var(--mantine-color-gray-7)">{pct(tk.value, 0)}</text>
          </g>
        ))}
        {g.xTicks.map((tk) => (
          <g key={tk.share}>
            <line x1={tk.x} x2={tk.x} y1={yBottom} y2={yBottom + 4} stroke="var(--mantine-color-gray-6)" />
            <text x={tk.x} y={yBottom + 17} textAnchor="middle" fontSize={11} fill="var(--mantine-color-gray-7)">{pct(tk.share, 1)}</text>
          </g>
        ))}
        <line x1={box.left} x2={box.width - box.right} y1={yBottom} y2={yBottom} stroke="var(--mantine-color-gray-6)" />
        {showMark ? (
          <g data-testid="curve-office-rate">
            <line x1={g.x(officeRate!)} x2={g.x(officeRate!)} y1={box.top} y2={yBottom} stroke={MARK} strokeDasharray="4 3" />
            {/* the label goes on the side of the line with room for it */}
            <text
              x={g.x(officeRate!) + (g.x(officeRate!) > box.width * 0.6 ? -4 : 4)}
              y={box.top + 10}
              textAnchor={g.x(officeRate!) > box.width * 0.6 ? 'end' : 'start'}
              fontSize={11}
              fill="var(--mantine-color-gray-8)"
            >
              {t('riskModel.curve.officeRate', { rate: pct(officeRate!) })}
            </text>
          </g>
        ) : null}
        <path d={g.recallPath} fill="none" stroke={RECALL} strokeWidth={2} strokeDasharray="6 4" />
        <path d={g.precisionPath} fill="none" stroke={PRECISION} strokeWidth={2.5} />
        {points.map((p) => (
          <g key={p.share}>
            <circle cx={g.x(p.share)} cy={g.y(p.recall)} r={3} fill={RECALL}>
              <title>{t('riskModel.curve.pointText', { rate: pct(p.share), precision: pct(p.precision), recall: pct(p.recall) })}</title>
            </circle>
            <circle cx={g.x(p.share)} cy={g.y(p.precision)} r={3.5} fill={PRECISION}>
              <title>{t('riskModel.curve.pointText', { rate: pct(p.share), precision: pct(p.precision), recall: pct(p.recall) })}</title>
            </circle>
          </g>
        ))}
      </svg>
      <Text size="xs" c="dimmed" ta="center" aria-hidden>{t('riskModel.curve.xAxis')}</Text>
      <Group gap="md" mt={4} aria-hidden>
        <Group gap={6}><Box w={18} h={3} bg={PRECISION} /><Text size="xs">{t('riskModel.curve.precision')}</Text></Group>
        <Group gap={6}><Box w={18} h={0} style={{ borderTop: `2px dashed ${RECALL}` }} /><Text size="xs">{t('riskModel.curve.recall')}</Text></Group>
      </Group>
    </Box>
  );

  const table = (
    <Table fz="sm" verticalSpacing={4} striped data-testid="curve-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('riskModel.curve.rate')}</Table.Th>
          <Table.Th ta="right">{t('riskModel.curve.precision')}</Table.Th>
          <Table.Th ta="right">{t('riskModel.curve.recall')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {points.map((p) => (
          <Table.Tr key={p.share} data-testid="curve-row" data-share={p.share}>
            <Table.Td>{pct(p.share)}</Table.Td>
            <Table.Td ta="right">{pct(p.precision)}</Table.Td>
            <Table.Td ta="right">{pct(p.recall)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );

  return <ChartOrTable title={t('riskModel.curve.title')} chart={chart} table={table} testId="curve" />;
}
