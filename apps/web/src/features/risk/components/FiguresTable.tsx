import { Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../../shared/format.ts';
import { METRIC_KEYS, type FigureWindow, type MetricKey, type ModelFigures, type TargetingMetrics } from '../figures.ts';
import { pctOrDash } from '../percent.ts';

/** AUC is a probability-like figure, not a share of declarations: shown as 0.912, the others as percentages. */
function figureText(k: MetricKey, m: TargetingMetrics, dash: string): string {
  const v = m[k];
  if (v == null) return dash;
  return k === 'auc' ? formatNumber(v, 3) : pctOrDash(v, dash);
}

/**
 * A model's figures: precision and recall at inspection rates, critical-case recall and AUC, on the holdout inside
 * its training data and on the later validation window (with the previously active model's figures on the same
 * window, which decided whether this one was activated).
 */
export function FiguresTable({ figures }: { figures: ModelFigures }) {
  const { t } = useTranslation();
  const dash = t('common.none');
  const cols: { key: string; label: string; window: FigureWindow; metrics: TargetingMetrics }[] = [];
  if (figures.holdout) cols.push({ key: 'holdout', label: t('riskModel.figures.holdout'), window: figures.holdout, metrics: figures.holdout.metrics });
  if (figures.validation) {
    cols.push({ key: 'validation', label: t('riskModel.figures.validation'), window: figures.validation, metrics: figures.validation.candidate });
    if (figures.validation.previous) {
      cols.push({ key: 'previous', label: t('riskModel.figures.previous'), window: figures.validation, metrics: figures.validation.previous });
    }
  }
  if (!cols.length) return <Text size="sm" c="dimmed" data-testid="figures-none">{t('riskModel.figures.none')}</Text>;
  const windowText = (w: FigureWindow, m: TargetingMetrics) => [
    w.from && w.to ? t('riskModel.figures.range', { from: w.from, to: w.to }) : null,
    t('riskModel.figures.rowsFrauds', { rows: formatNumber(w.rows ?? m.rows), frauds: formatNumber(m.frauds) }),
  ].filter(Boolean).join(' · ');

  return (
    <Table.ScrollContainer minWidth={420}>
      <Table fz="sm" verticalSpacing={4} striped data-testid="figures-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('riskModel.figures.figure')}</Table.Th>
            {cols.map((c) => (
              <Table.Th key={c.key} scope="col" ta="right" data-testid={`figures-col-${c.key}`}>
                {c.label}
                <Text size="xs" c="dimmed" fw={400}>{windowText(c.window, c.metrics)}</Text>
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {METRIC_KEYS.map((k) => (
            <Table.Tr key={k} data-testid={`figure-${k}`}>
              <Table.Th scope="row" fw={500}>
                {t(`riskModel.metric.${k}`)}
              </Table.Th>
              {cols.map((c) => <Table.Td key={c.key} ta="right" data-col={c.key}>{figureText(k, c.metrics, dash)}</Table.Td>)}
            </Table.Tr>
          ))}
        </Table.Tbody>
        <caption style={{ captionSide: 'bottom', textAlign: 'left', fontSize: 'var(--mantine-font-size-xs)', color: 'var(--mantine-color-dimmed)', paddingTop: 4 }} data-testid="figures-caveat">
          {t('riskModel.figures.caveat')}
        </caption>
      </Table>
    </Table.ScrollContainer>
  );
}
