import { useId, useState, type ReactNode } from 'react';
import { Group, SegmentedControl, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * A chart with a switch to the same figures as a table: the table is the accessible view (screen readers, copying
 * figures, printing), the chart the quick one.
 */
export function ChartOrTable({ title, chart, table, testId }: { title: string; chart: ReactNode; table: ReactNode; testId: string }) {
  const { t } = useTranslation();
  const [view, setView] = useState<'chart' | 'table'>('chart');
  const labelId = useId();
  return (
    <section aria-labelledby={labelId} data-testid={testId} data-view={view}>
      <Group justify="space-between" align="center" mb="xs" gap="xs">
        <Text id={labelId} fw={600} size="sm">{title}</Text>
        <SegmentedControl
          size="xs"
          value={view}
          onChange={(v) => setView(v === 'table' ? 'table' : 'chart')}
          data={[{ value: 'chart', label: t('charts.chart') }, { value: 'table', label: t('charts.table') }]}
          aria-label={t('charts.viewAs', { title })}
          data-testid={`${testId}-view`}
        />
      </Group>
      {view === 'chart' ? chart : table}
    </section>
  );
}
