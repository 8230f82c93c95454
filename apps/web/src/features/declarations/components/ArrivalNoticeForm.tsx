import { useState, type FormEvent } from 'react';
import { Button, Group, Stack, TextInput, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ArrivalNoticeInput } from '@rvi/contracts';
import { ApiError } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { checkObject } from '../../../shared/validation/schema-check.ts';
import { problemTexts } from '../../../shared/validation/problem-text.ts';
import { useFileArrivalNotice } from '../api.ts';

/** Container numbers as typed: separated by commas, spaces or new lines, case-insensitive. */
export function splitContainerNumbers(text: string): string[] {
  return text.split(/[\s,;]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
}

/** `<input type="datetime-local">` gives local wall time without a zone; the API wants an instant. */
function localToIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? 'invalid' : d.toISOString();
}

export function ArrivalNoticeForm({ declarationId, onDone }: { declarationId: string; onDone(): void }) {
  const { t } = useTranslation();
  const [arrival, setArrival] = useState('');
  const [location, setLocation] = useState('');
  const [containers, setContainers] = useState('');
  const [summary, setSummary] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const mutation = useFileArrivalNotice(declarationId);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = {
      expectedArrivalAt: localToIso(arrival),
      location: location.trim(),
      containerNumbers: splitContainerNumbers(containers),
      goodsSummary: summary.trim(),
    };
    const problems = problemTexts(t, checkObject(ArrivalNoticeInput, input));
    setErrors(problems);
    if (Object.keys(problems).length) return;
    try {
      await mutation.mutateAsync(input as ArrivalNoticeInput);
      onDone();
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
    }
  };

  return (
    <form onSubmit={submit} noValidate data-testid="arrival-notice-form">
      <Stack gap="sm">
        <TextInput
          type="datetime-local"
          label={t('arrival.expectedArrivalAt')}
          required
          value={arrival}
          onChange={(e) => setArrival(e.currentTarget.value)}
          error={errors.expectedArrivalAt}
        />
        <TextInput
          label={t('arrival.location')}
          placeholder={t('arrival.locationPlaceholder')}
          required
          maxLength={200}
          value={location}
          onChange={(e) => setLocation(e.currentTarget.value)}
          error={errors.location}
        />
        <Textarea
          label={t('arrival.containerNumbers')}
          description={t('arrival.containerNumbersHelp')}
          placeholder="MSCU1234567, TGHU7654321"
          autosize
          minRows={2}
          value={containers}
          onChange={(e) => setContainers(e.currentTarget.value)}
          error={errors.containerNumbers}
        />
        <Textarea
          label={t('arrival.goodsSummary')}
          required
          autosize
          minRows={3}
          maxLength={2000}
          value={summary}
          onChange={(e) => setSummary(e.currentTarget.value)}
          error={errors.goodsSummary}
        />
        <ErrorAlert error={mutation.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>{t('common.cancel')}</Button>
          <Button type="submit" loading={mutation.isPending} data-testid="submit-arrival-notice">{t('arrival.submit')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
