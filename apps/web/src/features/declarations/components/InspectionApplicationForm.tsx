import { useState, type FormEvent } from 'react';
import { Button, Group, Radio, Stack, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { InspectionApplicationInput } from '@rvi/contracts';
import { ApiError } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { checkObject } from '../../../shared/validation/schema-check.ts';
import { problemTexts } from '../../../shared/validation/problem-text.ts';
import { useApplyForInspection } from '../api.ts';

export function InspectionApplicationForm({ declarationId, onDone }: { declarationId: string; onDone(): void }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'remote' | 'onsite'>('remote');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const mutation = useApplyForInspection(declarationId);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input: InspectionApplicationInput = { preferredMode: mode, ...(note.trim() ? { note: note.trim() } : {}) };
    const problems = problemTexts(t, checkObject(InspectionApplicationInput, input));
    setErrors(problems);
    if (Object.keys(problems).length) return;
    try {
      await mutation.mutateAsync(input);
      onDone();
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
    }
  };

  return (
    <form onSubmit={submit} noValidate data-testid="apply-form">
      <Stack gap="sm">
        <Radio.Group
          label={t('apply.preferredMode')}
          value={mode}
          onChange={(v) => setMode(v === 'onsite' ? 'onsite' : 'remote')}
          error={errors.preferredMode}
        >
          <Stack gap={6} mt={6}>
            <Radio value="remote" label={t('apply.mode.remote')} />
            <Radio value="onsite" label={t('apply.mode.onsite')} />
          </Stack>
        </Radio.Group>
        <Textarea
          label={t('apply.note')}
          autosize
          minRows={3}
          maxLength={1000}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          error={errors.note}
        />
        <ErrorAlert error={mutation.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>{t('common.cancel')}</Button>
          <Button type="submit" loading={mutation.isPending} data-testid="submit-apply">{t('apply.submit')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
