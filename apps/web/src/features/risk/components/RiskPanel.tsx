import type { ReactNode } from 'react';
import { Alert, Button, Card, Code, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { isNotScored, useDeclarationRisk, useReplaySelection } from '../api.ts';
import { explanationView } from '../figures.ts';
import { scorePct } from '../percent.ts';
import { ChannelBadge } from './ChannelBadge.tsx';
import { ContributionChart } from './ContributionChart.tsx';

/**
 * A declaration's risk for customs staff: score, channel, model version, whether and why it was selected for
 * inspection, and what drove the score. Consoles render it only when `Me.can['risk.read']`; the API refuses
 * enterprises anyway.
 */
export function RiskPanel({ declarationId, canReplay }: { declarationId: string; canReplay: boolean }) {
  const { t } = useTranslation();
  const q = useDeclarationRisk(declarationId);
  const replay = useReplaySelection();

  let body: ReactNode;
  if (q.isPending) body = <Loading />;
  else if (isNotScored(q.error)) {
    body = <Text size="sm" c="dimmed" data-testid="risk-not-scored">{t('risk.notScored')}</Text>;
  } else if (q.error || !q.data) {
    body = <ErrorAlert error={q.error} testId="risk-error" />;
  } else {
    const r = q.data;
    const ex = explanationView(r.explanation);
    const sel = r.selection;
    body = (
      <Stack gap="sm">
        <Group gap="lg" align="flex-end" wrap="wrap">
          <div>
            <Text size="xs" c="dimmed">{t('risk.score')}</Text>
            <Text fz={28} fw={700} lh={1.1} data-testid="risk-score" data-score={r.score}>{scorePct(r.score)}</Text>
          </div>
          <div>
            <Text size="xs" c="dimmed" mb={4}>{t('risk.channelLabel')}</Text>
            <ChannelBadge channel={r.channel} />
          </div>
          <div>
            <Text size="xs" c="dimmed">{t('risk.model')}</Text>
            <Text size="sm" fw={500} data-testid="risk-model-version">{t('risk.modelVersion', { version: r.modelVersion })}</Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">{t('risk.scoredAt')}</Text>
            <Text size="sm">{formatDateTime(r.scoredAt)}</Text>
          </div>
        </Group>

        <div data-testid="risk-selection" data-reason={sel?.reason ?? 'none'}>
          <Text size="xs" c="dimmed">{t('risk.selection')}</Text>
          {sel ? (
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                {sel.reason === 'risk'
                  ? (sel.rank != null ? t('risk.selectedByRiskRank', { rank: sel.rank }) : t('risk.selectedByRisk'))
                  : t('risk.selectedAtRandom')}
              </Text>
              <Group gap="xs" wrap="wrap">
                <Text size="xs" c="dimmed">{t('risk.seed')}</Text>
                <Code data-testid="risk-seed">{sel.seed}</Code>
                {canReplay ? (
                  <Button size="compact-xs" variant="light" onClick={() => replay.mutate(sel.runId)} loading={replay.isPending} data-testid="risk-replay">
                    {t('risk.replay')}
                  </Button>
                ) : null}
              </Group>
              {replay.data ? (
                <Alert
                  color={replay.data.same ? 'green' : 'red'}
                  variant="light"
                  role="status"
                  p="xs"
                  data-testid="risk-replay-result"
                  data-same={String(replay.data.same)}
                >
                  {replay.data.same ? t('risk.replaySame', { seed: replay.data.seed }) : t('risk.replayDiffers', { detail: replay.data.detail ?? '' })}
                </Alert>
              ) : null}
              <ErrorAlert error={replay.error} testId="risk-replay-error" />
            </Stack>
          ) : (
            <Text size="sm">{t('risk.notSelected')}</Text>
          )}
        </div>

        {ex ? (
          <Stack gap={4}>
            {ex.baseScore != null ? (
              <Text size="sm" c="dimmed" data-testid="risk-base">{t('risk.explain.baseline', { base: scorePct(ex.baseScore), score: scorePct(r.score) })}</Text>
            ) : null}
            <ContributionChart factors={ex.factors} />
          </Stack>
        ) : (
          <Text size="sm" c="dimmed" data-testid="risk-no-explanation">{t('risk.explain.none')}</Text>
        )}
      </Stack>
    );
  }

  return (
    <Card withBorder mb="md" data-testid="risk-panel" aria-labelledby="risk-panel-title">
      <Title order={3} fz="md" mb="sm" id="risk-panel-title">{t('risk.title')}</Title>
      {body}
    </Card>
  );
}
