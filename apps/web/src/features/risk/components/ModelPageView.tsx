import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { RiskModelView } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime, formatNumber } from '../../../shared/format.ts';
import { useActivateModel, useRetrain, useRiskModels, useRiskSettings } from '../api.ts';
import { cleanCurve, headlineFigures, modelFigures } from '../figures.ts';
import { pctOrDash } from '../percent.ts';
import { FiguresTable } from './FiguresTable.tsx';
import { ImportanceList } from './ImportanceList.tsx';
import { PrecisionCurveChart } from './PrecisionCurveChart.tsx';
import { DrawSelection, SettingsForm } from './SelectionControls.tsx';

const STATUS_COLORS: Record<string, string> = { active: 'green', candidate: 'blue', rejected: 'red', retired: 'gray' };

/** How long the page keeps polling the registry after "Retrain now" (training runs in the background). */
const RETRAIN_WATCH_MS = 10 * 60_000;

export interface ModelPageCan {
  /** Activate another version, retrain (`model.manage`). */
  manage: boolean;
  /** Office settings and drawing the selection (`risk.select`). */
  select: boolean;
  /** Read the office's settings, to mark its inspection rate on the chart (`risk.read`). */
  readSettings: boolean;
}

function ModelStatus({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLORS[status] ?? 'gray'} variant="light" data-status={status} style={{ minWidth: 'max-content' }}>
      {t(`riskModel.status.${status}`, { defaultValue: status })}
    </Badge>
  );
}

function Field({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" fw={500} data-testid={testId} style={{ overflowWrap: 'anywhere' }}>{value}</Text>
    </div>
  );
}

/**
 * The targeting model page: the active model's figures, its precision-at-inspection-rate curve and feature
 * importances, the office's selection settings and an on-demand draw, and the history of versions.
 */
export function ModelPageView({ can }: { can: ModelPageCan }) {
  const { t } = useTranslation();
  const [watchSince, setWatchSince] = useState<number | null>(null);
  const [watchVersion, setWatchVersion] = useState<number>(0);
  const models = useRiskModels(watchSince ? 5_000 : false);
  const settings = useRiskSettings(can.readSettings);
  const activate = useActivateModel();
  const retrain = useRetrain();
  const items = models.data?.items ?? [];
  const latestVersion = items.reduce((m, i) => Math.max(m, i.version), 0);

  // Stop polling once the new version is registered (activated or not), or after a while.
  useEffect(() => {
    if (!watchSince) return;
    if (latestVersion > watchVersion) { setWatchSince(null); return; }
    const left = RETRAIN_WATCH_MS - (Date.now() - watchSince);
    const timer = setTimeout(() => setWatchSince(null), Math.max(0, left));
    return () => clearTimeout(timer);
  }, [watchSince, watchVersion, latestVersion]);

  const startRetrain = async () => {
    await retrain.mutateAsync();
    setWatchVersion(latestVersion);
    setWatchSince(Date.now());
  };

  const active = items.find((m) => m.status === 'active') ?? null;
  const dash = t('common.none');

  return (
    <>
      <PageHeader
        title={t('riskModel.title')}
        testId="page-title"
        actions={can.manage ? (
          <Button onClick={() => void startRetrain().catch(() => undefined)} loading={retrain.isPending} data-testid="retrain">
            {t('riskModel.retrain')}
          </Button>
        ) : null}
      />
      <Stack gap="md">
        <ErrorAlert error={retrain.error} testId="retrain-error" />
        {retrain.isSuccess ? (
          <Alert variant="light" color={watchSince ? 'blue' : 'gray'} role="status" data-testid="retrain-started">
            {watchSince ? t('riskModel.retrainStarted') : latestVersion > watchVersion ? t('riskModel.retrainDone', { version: latestVersion }) : t('riskModel.retrainPending')}
          </Alert>
        ) : null}
        <ErrorAlert error={models.error} />
        {models.isPending ? <Loading /> : null}
        {!models.isPending && !models.error && !active ? (
          <Alert variant="light" color="orange" data-testid="no-active-model">{items.length ? t('riskModel.noActive') : t('riskModel.noModels')}</Alert>
        ) : null}

        {active ? <ActiveModel model={active} officeRate={settings.data?.inspectionRate ?? null} /> : null}

        {can.select ? (
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            <Card withBorder data-testid="settings-card">
              <Title order={3} fz="md" mb="sm">{t('riskModel.settings.title')}</Title>
              <SettingsForm />
            </Card>
            <Card withBorder data-testid="draw-card">
              <Title order={3} fz="md" mb="sm">{t('riskModel.draw.title')}</Title>
              <DrawSelection />
            </Card>
          </SimpleGrid>
        ) : null}

        {items.length ? (
          <Card withBorder data-testid="model-history">
            <Title order={3} fz="md" mb="sm">{t('riskModel.history.title')}</Title>
            <ErrorAlert error={activate.error} testId="activate-error" />
            <Table.ScrollContainer minWidth={900}>
              <Table fz="sm" verticalSpacing={4} striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('riskModel.history.version')}</Table.Th>
                    <Table.Th>{t('riskModel.history.status')}</Table.Th>
                    <Table.Th>{t('riskModel.history.trained')}</Table.Th>
                    <Table.Th ta="right">{t('riskModel.history.rows')}</Table.Th>
                    <Table.Th ta="right">{t('riskModel.metric.p5')}</Table.Th>
                    <Table.Th ta="right">{t('riskModel.metric.p10')}</Table.Th>
                    <Table.Th ta="right">{t('riskModel.metric.auc')}</Table.Th>
                    <Table.Th>{t('riskModel.history.source')}</Table.Th>
                    <Table.Th>{t('riskModel.history.created')}</Table.Th>
                    <Table.Th>{t('riskModel.history.activated')}</Table.Th>
                    {can.manage ? <Table.Th><VisuallyHidden>{t('riskModel.history.actions')}</VisuallyHidden></Table.Th> : null}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((m) => {
                    const h = headlineFigures(m.metrics);
                    return (
                      <Table.Tr key={m.id} data-testid="model-row" data-version={m.version} data-status={m.status}>
                        <Table.Td fw={600}>v{m.version}</Table.Td>
                        <Table.Td><ModelStatus status={m.status} /></Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{t('riskModel.figures.range', { from: m.trainedFrom, to: m.trainedTo })}</Table.Td>
                        <Table.Td ta="right">{formatNumber(m.trainingRows)}</Table.Td>
                        <Table.Td ta="right">{pctOrDash(h?.metrics.p5, dash)}</Table.Td>
                        <Table.Td ta="right">{pctOrDash(h?.metrics.p10, dash)}</Table.Td>
                        <Table.Td ta="right" title={h ? t(`riskModel.figures.${h.source}`) : undefined}>
                          {h?.metrics.auc != null ? formatNumber(h.metrics.auc, 3) : dash}
                          {h ? <Text span size="xs" c="dimmed"> ({t(`riskModel.figures.${h.source}Short`)})</Text> : null}
                        </Table.Td>
                        <Table.Td style={{ overflowWrap: 'anywhere' }}>{m.source}</Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(m.createdAt)}</Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{m.activatedAt ? formatDateTime(m.activatedAt) : dash}</Table.Td>
                        {can.manage ? (
                          <Table.Td>
                            {m.status !== 'active' ? (
                              <Button
                                size="compact-xs"
                                variant="light"
                                onClick={() => activate.mutate(m.id)}
                                loading={activate.isPending && activate.variables === m.id}
                                disabled={activate.isPending}
                                aria-label={t('riskModel.history.activateVersion', { version: m.version })}
                                data-testid="activate-model"
                              >
                                {t('riskModel.history.activate')}
                              </Button>
                            ) : null}
                          </Table.Td>
                        ) : null}
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>
        ) : null}
      </Stack>
    </>
  );
}

function ActiveModel({ model, officeRate }: { model: RiskModelView; officeRate: number | null }) {
  const { t } = useTranslation();
  const figures = modelFigures(model.metrics);
  const curve = cleanCurve(model.curve);
  return (
    <>
      <Card withBorder data-testid="active-model" data-version={model.version}>
        <Group justify="space-between" mb="sm" gap="xs">
          <Title order={3} fz="md">{t('riskModel.active', { version: model.version })}</Title>
          <ModelStatus status={model.status} />
        </Group>
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" mb="md">
          <Field label={t('riskModel.trainedRange')} value={t('riskModel.figures.range', { from: model.trainedFrom, to: model.trainedTo })} />
          <Field label={t('riskModel.history.rows')} value={formatNumber(model.trainingRows)} testId="active-rows" />
          <Field label={t('riskModel.trainSeconds')} value={t('riskModel.seconds', { seconds: formatNumber(model.trainSeconds, 1) })} />
          <Field label={t('riskModel.history.activated')} value={model.activatedAt ? formatDateTime(model.activatedAt) : t('common.none')} />
        </SimpleGrid>
        <FiguresTable figures={figures} />
      </Card>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Card withBorder data-testid="curve-card">
          {curve.length >= 2 ? (
            <PrecisionCurveChart points={curve} officeRate={officeRate} />
          ) : (
            <>
              <Text fw={600} size="sm" mb="xs">{t('riskModel.curve.title')}</Text>
              <Text size="sm" c="dimmed" data-testid="curve-none">{t('riskModel.curve.none')}</Text>
            </>
          )}
        </Card>
        <Card withBorder data-testid="importance-card">
          <Text fw={600} size="sm" mb="xs">{t('riskModel.importance.title')}</Text>
          <ImportanceList items={model.importances} />
        </Card>
      </SimpleGrid>
    </>
  );
}
