import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Button, Code, Group, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { TargetingSettings } from '@rvi/contracts';
import { ApiError } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { checkObject } from '../../../shared/validation/schema-check.ts';
import { useDrawSelection, useRiskSettings, useUpdateRiskSettings } from '../api.ts';
import { percentText, selectionCounts, settingsFromPercent, type SettingsProblem } from '../figures.ts';

/** The office's inspection rate and the share of it drawn at random, edited as percentages (supervisors). */
export function SettingsForm() {
  const { t } = useTranslation();
  const settings = useRiskSettings();
  const save = useUpdateRiskSettings();
  const [rate, setRate] = useState('');
  const [share, setShare] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (settings.data) {
      setRate(percentText(settings.data.inspectionRate));
      setShare(percentText(settings.data.randomShare));
    }
  }, [settings.data]);

  if (settings.isPending) return <Loading />;
  if (settings.error) return <ErrorAlert error={settings.error} />;

  const problemText = (p: SettingsProblem) => (p === 'range' ? t('riskModel.settings.range') : t(`validation.${p}`));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const { value, problems } = settingsFromPercent(rate, share);
    const errs: Record<string, string> = Object.fromEntries(Object.entries(problems).map(([f, p]) => [f, problemText(p!)]));
    // the contract's own rule as well, so the form never sends what the server refuses
    if (value && Object.keys(checkObject(TargetingSettings, { ...value })).length) errs._ = t('errors.validation');
    setErrors(errs);
    if (!value || Object.keys(errs).length) return;
    try {
      await save.mutateAsync(value);
      setSaved(true);
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
    }
  };

  return (
    <form onSubmit={submit} noValidate data-testid="settings-form">
      <Stack gap="sm">
        <Group gap="sm" align="flex-start" grow wrap="wrap">
          <TextInput
            label={t('riskModel.settings.inspectionRate')}
            description={t('riskModel.settings.inspectionRateHint')}
            rightSection={<Text size="sm" c="dimmed">%</Text>}
            inputMode="decimal"
            maxLength={12}
            value={rate}
            onChange={(e) => { setRate(e.currentTarget.value); setSaved(false); }}
            error={errors.inspectionRate}
            miw={180}
            data-testid="settings-inspection-rate"
          />
          <TextInput
            label={t('riskModel.settings.randomShare')}
            description={t('riskModel.settings.randomShareHint')}
            rightSection={<Text size="sm" c="dimmed">%</Text>}
            inputMode="decimal"
            maxLength={12}
            value={share}
            onChange={(e) => { setShare(e.currentTarget.value); setSaved(false); }}
            error={errors.randomShare}
            miw={180}
            data-testid="settings-random-share"
          />
        </Group>
        {errors._ ? <Text size="sm" c="red" role="alert">{errors._}</Text> : null}
        <ErrorAlert error={save.error} testId="settings-error" />
        <Group justify="flex-end" gap="sm">
          {saved ? <Text size="sm" c="green.8" role="status" data-testid="settings-saved">{t('riskModel.settings.saved')}</Text> : null}
          <Button type="submit" loading={save.isPending} data-testid="settings-save">{t('riskModel.settings.save')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Draws the selection for inspection now, among the office's scored declarations waiting for one (supervisors). */
export function DrawSelection() {
  const { t } = useTranslation();
  const draw = useDrawSelection();
  const [seed, setSeed] = useState('');
  const out = draw.data;
  const counts = out ? selectionCounts(out.selected) : null;

  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">{t('riskModel.draw.text')}</Text>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label={t('riskModel.draw.seed')}
          description={t('riskModel.draw.seedHint')}
          maxLength={64}
          value={seed}
          onChange={(e) => setSeed(e.currentTarget.value)}
          style={{ flex: 1, minWidth: 180 }}
          data-testid="draw-seed"
        />
        <Button onClick={() => draw.mutate(seed.trim() || undefined)} loading={draw.isPending} data-testid="draw-selection">
          {t('riskModel.draw.button')}
        </Button>
      </Group>
      <ErrorAlert error={draw.error} testId="draw-error" />
      {out && counts ? (
        <Alert
          variant="light"
          color={out.runId ? 'blue' : 'gray'}
          role="status"
          data-testid="draw-result"
          data-risk={counts.risk}
          data-random={counts.random}
          data-seed={out.seed ?? ''}
        >
          {out.runId ? (
            <Stack gap={4}>
              <Text size="sm">{t('riskModel.draw.result', { total: out.selected.length, risk: counts.risk, random: counts.random })}</Text>
              <Text size="sm">{t('riskModel.draw.seedUsed')} <Code>{out.seed}</Code></Text>
            </Stack>
          ) : t('riskModel.draw.nothing')}
        </Alert>
      ) : null}
    </Stack>
  );
}
