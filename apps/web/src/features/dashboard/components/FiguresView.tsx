import { useState, type ReactNode } from 'react';
import { Alert, Anchor, Card, Group, NativeSelect, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { FigureName } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime, formatNumber } from '../../../shared/format.ts';
import { figureCsvUrl, useDemoHistory, useFigure, type FigureFilterInput } from '../api.ts';
import { bucketLabel, formatHours, formatPct } from '../format.ts';
import { BarChart, ONSITE_COLOR, RANDOM_COLOR, REMOTE_COLOR, RISK_COLOR } from './BarChart.tsx';

function Stat({ label, value, testId, hint }: { label: string; value: string; testId: string; hint?: string }) {
  return (
    <Card withBorder p="sm" data-testid={testId}>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={700} fz={{ base: 'lg', sm: 'xl' }} data-testid={`${testId}-value`}>{value}</Text>
      {hint ? <Text size="xs" c="dimmed">{hint}</Text> : null}
    </Card>
  );
}

function FigureCard({ name, filter, title, children, error, loading }: { name: FigureName; filter: FigureFilterInput; title: string; children: ReactNode; error: unknown; loading: boolean }) {
  const { t } = useTranslation();
  return (
    <Card withBorder component="section" aria-label={title} data-testid={`figure-${name}`}>
      <Group justify="space-between" mb="sm" wrap="wrap" gap="xs">
        <Title order={3} fz="md">{title}</Title>
        <Anchor href={figureCsvUrl(name, filter)} download size="sm" data-testid={`figure-${name}-csv`}>{t('dashboard.downloadCsv')}</Anchor>
      </Group>
      <ErrorAlert error={error} />
      {loading ? <Loading /> : children}
    </Card>
  );
}

function ReleaseTime({ filter }: { filter: FigureFilterInput }) {
  const { t } = useTranslation();
  const q = useFigure('release-time', filter);
  const f = q.data;
  const by = (m: string) => f?.summary.find((s) => s.mode === m);
  return (
    <FigureCard name="release-time" filter={filter} title={t('dashboard.figures.releaseTime')} error={q.error} loading={q.isPending}>
      {f ? (
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, xs: 3 }}>
            <Stat testId="median-remote" label={t('dashboard.medianRemote')} value={formatHours(by('remote')?.medianHours)} hint={t('dashboard.releases', { count: by('remote')?.released ?? 0 })} />
            <Stat testId="median-onsite" label={t('dashboard.medianOnsite')} value={formatHours(by('onsite')?.medianHours)} hint={t('dashboard.releases', { count: by('onsite')?.released ?? 0 })} />
            <Stat testId="median-all" label={t('dashboard.medianAll')} value={formatHours(by('all')?.medianHours)} hint={t('dashboard.meanIs', { value: formatHours(by('all')?.meanHours) })} />
          </SimpleGrid>
          <BarChart
            title={t('dashboard.charts.releaseDistribution')} testId="chart-release" categoryLabel={t('dashboard.timeToRelease')}
            categories={f.distribution.map((d) => bucketLabel(d.fromMinutes, d.toMinutes))}
            series={[
              { key: 'remote', label: t('dashboard.mode.remote'), color: REMOTE_COLOR, values: f.distribution.map((d) => d.remote) },
              { key: 'onsite', label: t('dashboard.mode.onsite'), color: ONSITE_COLOR, values: f.distribution.map((d) => d.onsite) },
            ]}
            format={(v) => formatNumber(v, 0)} integer
          />
        </Stack>
      ) : null}
    </FigureCard>
  );
}

function Throughput({ filter }: { filter: FigureFilterInput }) {
  const { t } = useTranslation();
  const q = useFigure('inspector-throughput', filter);
  const f = q.data;
  return (
    <FigureCard name="inspector-throughput" filter={filter} title={t('dashboard.figures.throughput')} error={q.error} loading={q.isPending}>
      {f ? (
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, xs: 3 }}>
            <Stat testId="rate-remote" label={t('dashboard.perInspectorDayRemote')} value={f.byMode[0].perInspectorDay === null ? '—' : formatNumber(f.byMode[0].perInspectorDay, 2)} hint={t('dashboard.inspectorDays', { count: f.byMode[0].inspectorDays })} />
            <Stat testId="rate-onsite" label={t('dashboard.perInspectorDayOnsite')} value={f.byMode[1].perInspectorDay === null ? '—' : formatNumber(f.byMode[1].perInspectorDay, 2)} hint={t('dashboard.inspectorDays', { count: f.byMode[1].inspectorDays })} />
            <Stat testId="efficiency" label={t('dashboard.efficiencyRatio')} value={f.efficiencyRatio === null ? '—' : `× ${formatNumber(f.efficiencyRatio, 2)}`} hint={t('dashboard.efficiencyHint')} />
          </SimpleGrid>
          <BarChart
            title={t('dashboard.charts.inspectionsPerDay')} testId="chart-throughput" categoryLabel={t('dashboard.day')}
            categories={f.series.map((s) => s.day)}
            series={[
              { key: 'remote', label: t('dashboard.mode.remote'), color: REMOTE_COLOR, values: f.series.map((s) => (s.remoteInspectors ? s.remote / s.remoteInspectors : null)) },
              { key: 'onsite', label: t('dashboard.mode.onsite'), color: ONSITE_COLOR, values: f.series.map((s) => (s.onsiteInspectors ? s.onsite / s.onsiteInspectors : null)) },
            ]}
            format={(v) => formatNumber(v, 1)}
          />
          <Table.ScrollContainer minWidth={520}>
            <Table striped fz="sm" verticalSpacing={4} data-testid="inspector-table" aria-label={t('dashboard.inspectorTable')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('dashboard.inspector')}</Table.Th>
                  <Table.Th scope="col" ta="right">{t('dashboard.remoteInspections')}</Table.Th>
                  <Table.Th scope="col" ta="right">{t('dashboard.remoteDays')}</Table.Th>
                  <Table.Th scope="col" ta="right">{t('dashboard.onsiteInspections')}</Table.Th>
                  <Table.Th scope="col" ta="right">{t('dashboard.onsiteDays')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {f.inspectors.map((i) => (
                  <Table.Tr key={i.inspectorId}>
                    <Table.Th scope="row" fw={400}>{i.name}</Table.Th>
                    <Table.Td ta="right">{i.remote}</Table.Td>
                    <Table.Td ta="right">{i.remoteDays}</Table.Td>
                    <Table.Td ta="right">{i.onsite}</Table.Td>
                    <Table.Td ta="right">{i.onsiteDays}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      ) : null}
    </FigureCard>
  );
}

const reasonLabel = (t: (k: string) => string, r: { reason: string; description: string | null }) =>
  ['inspector_choice', 'remote_fallback', 'undecided', 'default_onsite'].includes(r.reason) ? t(`dashboard.reason.${r.reason}`) : (r.description ?? r.reason);

function RemoteShare({ filter }: { filter: FigureFilterInput }) {
  const { t } = useTranslation();
  const q = useFigure('remote-share', filter);
  const f = q.data;
  return (
    <FigureCard name="remote-share" filter={filter} title={t('dashboard.figures.remoteShare')} error={q.error} loading={q.isPending}>
      {f ? (
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, xs: 3 }}>
            <Stat testId="remote-share" label={t('dashboard.remoteShare')} value={formatPct(f.remoteShare)} hint={t('dashboard.ofInspections', { remote: f.remote, total: f.inspections })} />
            <Stat testId="remote-count" label={t('dashboard.mode.remote')} value={formatNumber(f.remote, 0)} />
            <Stat testId="onsite-count" label={t('dashboard.mode.onsite')} value={formatNumber(f.onsite, 0)} />
          </SimpleGrid>
          <BarChart
            title={t('dashboard.charts.reasons')} testId="chart-reasons" categoryLabel={t('dashboard.reasonColumn')}
            categories={f.reasons.map((r) => reasonLabel(t, r))}
            series={[{ key: 'count', label: t('dashboard.onsiteInspections'), color: ONSITE_COLOR, values: f.reasons.map((r) => r.count) }]}
            format={(v) => formatNumber(v, 0)} integer
          />
        </Stack>
      ) : null}
    </FigureCard>
  );
}

function HitRate({ filter }: { filter: FigureFilterInput }) {
  const { t } = useTranslation();
  const q = useFigure('hit-rate', filter);
  const f = q.data;
  return (
    <FigureCard name="hit-rate" filter={filter} title={t('dashboard.figures.hitRate')} error={q.error} loading={q.isPending}>
      {f ? (
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, xs: 3 }}>
            <Stat testId="hit-risk" label={t('dashboard.hitRisk')} value={formatPct(f.bySelection[0].hitRate)} hint={t('dashboard.foundOf', { fraud: f.bySelection[0].fraud, inspected: f.bySelection[0].inspected })} />
            <Stat testId="hit-random" label={t('dashboard.hitRandom')} value={formatPct(f.bySelection[1].hitRate)} hint={t('dashboard.foundOf', { fraud: f.bySelection[1].fraud, inspected: f.bySelection[1].inspected })} />
            <Stat testId="lift" label={t('dashboard.lift')} value={f.lift === null ? '—' : `× ${formatNumber(f.lift, 2)}`} hint={t('dashboard.liftHint')} />
          </SimpleGrid>
          <BarChart
            title={t('dashboard.charts.hitRate')} testId="chart-hit" categoryLabel={t('dashboard.group')}
            categories={[...f.bySelection.map((s) => t(`dashboard.selection.${s.selection}`)), ...f.byChannel.map((c) => t(`risk.channel.${c.channel}`))]}
            series={[{
              key: 'hit', label: t('dashboard.hitRate'), color: RISK_COLOR,
              values: [...f.bySelection.map((s) => s.hitRate), ...f.byChannel.map((c) => c.hitRate)],
            }]}
            format={(v) => formatPct(v, 0)}
          />
        </Stack>
      ) : null}
    </FigureCard>
  );
}

function EnterpriseCost({ filter }: { filter: FigureFilterInput }) {
  const { t } = useTranslation();
  const q = useFigure('enterprise-cost', filter);
  const f = q.data;
  const w = (m: string) => f?.waiting.find((x) => x.mode === m);
  return (
    <FigureCard name="enterprise-cost" filter={filter} title={t('dashboard.figures.enterpriseCost')} error={q.error} loading={q.isPending}>
      {f ? (
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, xs: 3 }}>
            <Stat testId="trips-avoided" label={t('dashboard.tripsAvoided')} value={formatNumber(f.tripsAvoided, 0)} hint={t('dashboard.tripsHint')} />
            <Stat testId="wait-remote" label={t('dashboard.waitRemote')} value={formatHours(w('remote')?.meanHours)} hint={t('dashboard.releases', { count: w('remote')?.releases ?? 0 })} />
            <Stat testId="wait-onsite" label={t('dashboard.waitOnsite')} value={formatHours(w('onsite')?.meanHours)} hint={t('dashboard.releases', { count: w('onsite')?.releases ?? 0 })} />
          </SimpleGrid>
          <BarChart
            title={t('dashboard.charts.tripsAvoided')} testId="chart-trips" categoryLabel={t('dashboard.day')}
            categories={f.series.map((s) => s.day)}
            series={[{ key: 'trips', label: t('dashboard.tripsAvoided'), color: RANDOM_COLOR, values: f.series.map((s) => s.tripsAvoided) }]}
            format={(v) => formatNumber(v, 0)} integer
          />
        </Stack>
      ) : null}
    </FigureCard>
  );
}

/** The office's figures with one filter bar (period, channel, mode) for all of them. */
export function FiguresView() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<FigureFilterInput>({});
  const probe = useFigure('remote-share', filter);
  const set = (patch: Partial<FigureFilterInput>) => setFilter((f) => ({ ...f, ...patch }));
  const fl = probe.data?.filter;
  const history = useDemoHistory().data;
  return (
    <>
      <PageHeader title={t('dashboard.figuresTitle')} testId="page-title" />
      <Stack gap="md">
        <Group gap="sm" align="flex-end" wrap="wrap" role="search" aria-label={t('dashboard.filters')}>
          <TextInput type="date" label={t('dashboard.from')} value={filter.from ?? ''} onChange={(e) => set({ from: e.currentTarget.value || undefined })} data-testid="filter-from" />
          <TextInput type="date" label={t('dashboard.to')} value={filter.to ?? ''} onChange={(e) => set({ to: e.currentTarget.value || undefined })} data-testid="filter-to" />
          <NativeSelect
            label={t('dashboard.channel')} value={filter.channel ?? ''} data-testid="filter-channel"
            onChange={(e) => set({ channel: (e.currentTarget.value || undefined) as FigureFilterInput['channel'] })}
            data={[{ value: '', label: t('dashboard.all') }, ...['red', 'yellow', 'green'].map((c) => ({ value: c, label: t(`risk.channel.${c}`) }))]}
          />
          <NativeSelect
            label={t('dashboard.modeLabel')} value={filter.mode ?? ''} data-testid="filter-mode"
            onChange={(e) => set({ mode: (e.currentTarget.value || undefined) as FigureFilterInput['mode'] })}
            data={[{ value: '', label: t('dashboard.all') }, { value: 'remote', label: t('dashboard.mode.remote') }, { value: 'onsite', label: t('dashboard.mode.onsite') }]}
          />
        </Group>
        {history?.state === 'running' ? (
          <Alert variant="light" data-testid="demo-history-running">{t('dashboard.history.running', { closed: history.closed, orders: history.orders })}</Alert>
        ) : history?.state === 'done' ? (
          <Text size="xs" c="dimmed" data-testid="demo-history-done">{t('dashboard.history.done', { closed: history.closed })}</Text>
        ) : null}
        {fl ? (
          <Text size="sm" c="dimmed" data-testid="figures-period">
            {t('dashboard.period', { office: fl.officeName, from: fl.from, to: fl.to, zone: fl.timeZone })}
            {fl.refreshedAt ? ` · ${t('dashboard.refreshedAt', { at: formatDateTime(fl.refreshedAt) })}` : ''}
          </Text>
        ) : null}
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
          <ReleaseTime filter={filter} />
          <Throughput filter={filter} />
          <RemoteShare filter={filter} />
          <HitRate filter={filter} />
          <EnterpriseCost filter={filter} />
        </SimpleGrid>
      </Stack>
    </>
  );
}
