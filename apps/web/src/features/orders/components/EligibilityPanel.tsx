import { useState } from 'react';
import { Alert, Badge, Button, Card, Group, List, Radio, Stack, Text, Textarea, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { OrderDetail } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { useDecideEligibility, useEligibility } from '../api.ts';

/**
 * The rules' remote-eligibility recommendation with every rule that fired (and facts that were missing), and the
 * assigned inspector's decision: remote or on-site, with a reason when going against the recommendation.
 */
export function EligibilityPanel({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  const q = useEligibility(order.id, !!order.can.eligibility);
  const decide = useDecideEligibility();
  const [mode, setMode] = useState<'remote' | 'onsite' | ''>('');
  const [reason, setReason] = useState('');
  if (!order.can.eligibility) return null;
  const e = q.data;
  const against = !!e && !!mode && mode !== e.recommendation;
  return (
    <Card withBorder mb="md" data-testid="eligibility-panel">
      <Title order={3} fz="md" mb="xs">{t('orders.eligibility.title')}</Title>
      <ErrorAlert error={q.error} />
      {q.isPending ? <Loading /> : null}
      {e ? (
        <Stack gap="sm">
          <Group gap="xs">
            <Text size="sm">{t('orders.eligibility.recommendation')}</Text>
            <Badge color={e.recommendation === 'remote' ? 'blue' : 'orange'} data-testid="eligibility-recommendation" data-value={e.recommendation}>
              {t(`orders.mode.${e.recommendation}`)}
            </Badge>
            <Text size="xs" c="dimmed">{t('orders.eligibility.ruleSet', { version: e.ruleSet.version })}</Text>
          </Group>
          {e.fired.length ? (
            <List size="sm" spacing={2} data-testid="fired-rules">
              {e.fired.map((f) => (
                <List.Item key={f.ruleId} data-rule={f.ruleId}>
                  {f.description}{' '}
                  {f.basis === 'missing_facts' ? <Text span size="xs" c="orange">{t('orders.eligibility.missing', { facts: (f.missingFacts ?? []).join(', ') })}</Text> : null}
                </List.Item>
              ))}
            </List>
          ) : <Text size="sm" c="dimmed" data-testid="fired-rules-none">{t('orders.eligibility.noneFired')}</Text>}
          {e.decision ? (
            <Alert variant="light" color={e.decision.overridden ? 'yellow' : 'green'} data-testid="eligibility-decision">
              {t('orders.eligibility.decided', { mode: t(`orders.mode.${e.decision.decidedMode}`) })}
              {e.decision.reason ? ` — ${e.decision.reason}` : ''}
            </Alert>
          ) : null}
          {order.can.decide ? (
            <form
              data-testid="decide-form"
              onSubmit={(ev) => {
                ev.preventDefault();
                if (mode) decide.mutate({ id: order.id, mode, reason: reason.trim() || undefined });
              }}
            >
              <Stack gap="xs">
                <Radio.Group value={mode} onChange={(v) => setMode(v as 'remote' | 'onsite')} label={t('orders.eligibility.decide')} required>
                  <Group mt={4}>
                    <Radio value="remote" label={t('orders.mode.remote')} data-testid="decide-remote" />
                    <Radio value="onsite" label={t('orders.mode.onsite')} data-testid="decide-onsite" />
                  </Group>
                </Radio.Group>
                <Textarea
                  label={t('orders.reason')}
                  description={against ? t('orders.eligibility.reasonRequired') : t('orders.eligibility.reasonOptional')}
                  required={against}
                  value={reason}
                  onChange={(ev) => setReason(ev.currentTarget.value)}
                  data-testid="decide-reason"
                />
                <ErrorAlert error={decide.error} />
                <Group justify="flex-end">
                  <Button type="submit" disabled={!mode || (against && reason.trim().length < 3)} loading={decide.isPending} data-testid="decide-submit">
                    {t('orders.eligibility.submit')}
                  </Button>
                </Group>
              </Stack>
            </form>
          ) : null}
        </Stack>
      ) : null}
    </Card>
  );
}
