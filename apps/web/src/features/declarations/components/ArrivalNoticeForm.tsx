import { useState, type FormEvent } from 'react';
import { Button, Group, Stack, TextInput, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ArrivalNoticeInput, containerNumberIssue, type ArrivalNotice } from '@rvi/contracts';
import { ApiError } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { checkObject } from '../../../shared/validation/schema-check.ts';
import { problemTexts } from '../../../shared/validation/problem-text.ts';
import { useFileArrivalNotice, useUpdateArrivalNotice } from '../api.ts';

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

/** ISO timestamp → the `datetime-local` value in this computer's time zone. */
function isoToLocal(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Files a new arrival notice, or (with `notice`) corrects one while the goods are still expected. */
export function ArrivalNoticeForm({ declarationId, notice, onDone }: { declarationId: string; notice?: ArrivalNotice; onDone(): void }) {
  const { t } = useTranslation();
  const [arrival, setArrival] = useState(notice ? isoToLocal(notice.expectedArrivalAt) : '');
  const [location, setLocation] = useState(notice?.location ?? '');
  const [containers, setContainers] = useState(notice?.containerNumbers.join(', ') ?? '');
  const [summary, setSummary] = useState(notice?.goodsSummary ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useFileArrivalNotice(declarationId);
  const update = useUpdateArrivalNotice(declarationId);
  const mutation = notice ? update : create;
  // ISO 6346 check digits as the numbers are typed (the server refuses a wrong one the same way).
  const digitProblems = splitContainerNumbers(containers).filter((n) => n.length === 11).map(containerNumberIssue)
    .filter((p): p is NonNullable<typeof p> => !!p).map((p) => t(`validation.codes.${p.code}`, p.params));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = {
      expectedArrivalAt: localToIso(arrival),
      location: location.trim(),
      containerNumbers: splitContainerNumbers(containers),
      goodsSummary: summary.trim(),
    };
    const problems = problemTexts(t, checkObject(ArrivalNoticeInput, input));
    if (!problems.containerNumbers && digitProblems.length) problems.containerNumbers = digitProblems.join('; ');
    setErrors(problems);
    if (Object.keys(problems).length) return;
    try {
      if (notice) await update.mutateAsync({ id: notice.id, input: input as ArrivalNoticeInput });
      else await create.mutateAsync(input as ArrivalNoticeInput);
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
          placeholder="MSCU1234566, CSQU3054383"
          autosize
          minRows={2}
          value={containers}
          onChange={(e) => setContainers(e.currentTarget.value)}
          error={errors.containerNumbers ?? (digitProblems.length ? digitProblems.join('; ') : undefined)}
          data-testid="arrival-containers"
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
          <Button type="submit" loading={mutation.isPending} data-testid="submit-arrival-notice">{notice ? t('arrival.save') : t('arrival.submit')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
