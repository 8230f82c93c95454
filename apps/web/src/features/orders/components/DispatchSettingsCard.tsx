import { useEffect, useState } from 'react';
import { Alert, Button, Card, Group, NumberInput, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { useOrderSettings, useSaveDispatchSettings } from '../api.ts';

/**
 * The supervisor's own dispatch rules for the office: rotation window, how many later days dispatch may plan onto,
 * the weight tolerance of findings. Saved with a reason (audited); the next dispatch run uses them.
 */
export function DispatchSettingsCard() {
  const { t } = useTranslation();
  const settings = useOrderSettings();
  const save = useSaveDispatchSettings();
  const [rotation, setRotation] = useState<number | ''>('');
  const [lookahead, setLookahead] = useState<number | ''>('');
  const [tolerance, setTolerance] = useState<number | ''>('');
  const [reason, setReason] = useState('');
  useEffect(() => {
    if (!settings.data) return;
    setRotation(settings.data.rotationDays);
    setLookahead(settings.data.lookaheadDays ?? 0);
    setTolerance(settings.data.weightTolerancePct ?? 5);
  }, [settings.data]);
  return (
    <Card withBorder component="section" aria-label={t('orders.dispatchSettings.title')} data-testid="dispatch-settings">
      <Text fw={600} size="sm" mb={4}>{t('orders.dispatchSettings.title')}</Text>
      <Text size="xs" c="dimmed" mb="xs">{t('orders.dispatchSettings.intro')}</Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ rotationDays: Number(rotation), lookaheadDays: Number(lookahead), weightTolerancePct: Number(tolerance), reason: reason.trim() }, { onSuccess: () => setReason('') });
        }}
      >
        <Group align="flex-end" gap="sm" wrap="wrap">
          <NumberInput label={t('orders.dispatchSettings.rotation')} description={t('orders.dispatchSettings.rotationHelp')} min={0} max={365} value={rotation} onChange={(v) => setRotation(v === '' ? '' : Number(v))} w={200} data-testid="settings-rotation" />
          <NumberInput label={t('orders.dispatchSettings.lookahead')} description={t('orders.dispatchSettings.lookaheadHelp')} min={0} max={60} value={lookahead} onChange={(v) => setLookahead(v === '' ? '' : Number(v))} w={200} data-testid="settings-lookahead" />
          <NumberInput label={t('orders.dispatchSettings.tolerance')} description={t('orders.dispatchSettings.toleranceHelp')} min={0} max={100} decimalScale={1} value={tolerance} onChange={(v) => setTolerance(v === '' ? '' : Number(v))} w={200} data-testid="settings-tolerance" />
          <TextInput label={t('orders.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} required minLength={3} w={260} data-testid="settings-reason" />
          <Button type="submit" disabled={reason.trim().length < 3 || rotation === '' || lookahead === ''} loading={save.isPending} data-testid="settings-save">{t('admin.save')}</Button>
        </Group>
      </form>
      <ErrorAlert error={save.error ?? settings.error} />
      {save.isSuccess ? <Alert mt="xs" color="green" variant="light" data-testid="settings-saved">{t('orders.dispatchSettings.saved')}</Alert> : null}
    </Card>
  );
}
