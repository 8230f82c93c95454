import { useState } from 'react';
import { Badge, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { SessionStep } from '@rvi/contracts';
import { currentLocale } from '../../../shared/i18n/index.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { newClientId, useAddStep, useGuidance, useStepResult } from '../api.ts';

const RESULT_COLORS = { pass: 'green', fail: 'red', not_applicable: 'gray' } as const;

/** The checklist: each step is sent to the device, then ticked with a result (and an optional note). */
export function ChecklistPanel({ sessionId, steps, canConduct }: { sessionId: string; steps: SessionStep[]; canConduct: boolean }) {
  const { t } = useTranslation();
  const guide = useGuidance(sessionId);
  const result = useStepResult(sessionId);
  const add = useAddStep(sessionId);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [newStep, setNewStep] = useState('');
  const lang = currentLocale();
  return (
    <Stack gap="xs" data-testid="checklist">
      {steps.map((s) => (
        <Stack key={s.id} gap={4} p="xs" style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 6 }} data-testid="checklist-step" data-status={s.status} data-result={s.result ?? ''}>
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Text size="sm" fw={600}>{s.ordinal}. {s.text[lang] ?? s.text.en}</Text>
            {s.result ? <Badge color={RESULT_COLORS[s.result]} variant="light" style={{ minWidth: 'max-content' }}>{t(`sessions.result.${s.result}`)}</Badge>
              : <Badge color={s.status === 'sent' ? 'blue' : 'gray'} variant="outline" style={{ minWidth: 'max-content' }}>{t(`sessions.stepStatus.${s.status}`)}</Badge>}
          </Group>
          {canConduct ? (
            <Group gap={4}>
              <Button size="compact-xs" variant="light" data-testid="step-send" onClick={() => guide.mutate({ kind: 'step', stepId: s.id, clientId: newClientId('step') })}>
                {s.status === 'pending' ? t('sessions.checklist.send') : t('sessions.checklist.resend')}
              </Button>
              {(['pass', 'fail', 'not_applicable'] as const).map((r) => (
                <Button key={r} size="compact-xs" variant={s.result === r ? 'filled' : 'default'} color={RESULT_COLORS[r]} data-testid={`step-${r}`}
                  onClick={() => result.mutate({ stepId: s.id, result: r, note: notes[s.id]?.trim() || undefined })}>
                  {t(`sessions.result.${r}`)}
                </Button>
              ))}
              <TextInput size="xs" style={{ flex: 1, minWidth: 120 }} placeholder={t('sessions.checklist.note')} value={notes[s.id] ?? s.note ?? ''}
                data-testid="step-note"
                // read the value now: React clears currentTarget once the handler returns, and the updater runs later
                // (issue 12: "Cannot read properties of null" crashed the console on the first keystroke)
                onChange={(e) => { const value = e.currentTarget.value; setNotes((n) => ({ ...n, [s.id]: value })); }} maxLength={2000} />
            </Group>
          ) : s.note ? <Text size="xs" c="dimmed">{s.note}</Text> : null}
        </Stack>
      ))}
      {canConduct ? (
        <Group gap="xs" component="form" onSubmit={(e) => { e.preventDefault(); if (newStep.trim()) add.mutate(newStep.trim(), { onSuccess: () => setNewStep('') }); }}>
          <TextInput size="xs" style={{ flex: 1 }} value={newStep} onChange={(e) => setNewStep(e.currentTarget.value)} placeholder={t('sessions.checklist.addPlaceholder')} maxLength={500} />
          <Button size="xs" type="submit" variant="default" loading={add.isPending}>{t('sessions.checklist.add')}</Button>
        </Group>
      ) : null}
      <ErrorAlert error={guide.error ?? result.error ?? add.error} />
    </Stack>
  );
}
