import { useEffect, useState, type ReactNode } from 'react';
import { Anchor, Button, Card, Group, NumberInput, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { OrderSettings } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import {
  useAdminDevices, useChecklistTemplates, useOrderSettings, useRetention, useSaveOrderSettings, useSaveTargeting, useSetRetention, useTargetingSettings,
} from '../api.ts';

function Section({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title} data-testid={testId}>
      <Title order={3} fz="md" mb="sm">{title}</Title>
      {children}
    </Card>
  );
}

/** Inspection rate and random share of the office (targeting module: PUT /api/risk/settings, supervisor). */
function Targeting({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const s = useTargetingSettings(true);
  const save = useSaveTargeting();
  const [rate, setRate] = useState<number | ''>('');
  const [share, setShare] = useState<number | ''>('');
  useEffect(() => {
    if (s.data) { setRate(Math.round(s.data.inspectionRate * 1000) / 10); setShare(Math.round(s.data.randomShare * 1000) / 10); }
  }, [s.data]);
  return (
    <Section title={t('admin.settings.targeting')} testId="settings-targeting">
      <Stack gap="sm">
        <Group align="flex-end" gap="sm" wrap="wrap">
          <NumberInput label={t('admin.settings.inspectionRate')} suffix=" %" min={0} max={100} decimalScale={1} value={rate} onChange={(v) => setRate(v === '' ? '' : Number(v))} disabled={!canEdit} w={180} data-testid="inspection-rate" />
          <NumberInput label={t('admin.settings.randomShare')} suffix=" %" min={0} max={100} decimalScale={1} value={share} onChange={(v) => setShare(v === '' ? '' : Number(v))} disabled={!canEdit} w={180} data-testid="random-share" />
          {canEdit ? (
            <Button size="xs" loading={save.isPending} disabled={rate === '' || share === ''} data-testid="save-targeting"
              onClick={() => save.mutate({ inspectionRate: Number(rate) / 100, randomShare: Number(share) / 100 })}>{t('admin.save')}</Button>
          ) : null}
        </Group>
        {!canEdit ? <Text size="xs" c="dimmed">{t('admin.settings.targetingSupervisor')}</Text> : null}
        <ErrorAlert error={s.error ?? save.error} />
      </Stack>
    </Section>
  );
}

const NUMERIC: (keyof OrderSettings)[] = ['slotMinutes', 'bufferMinutes', 'graceMinutes', 'noticeMinutes', 'rotationDays', 'reminderMinutes'];

/** Booking and dispatch settings of the office (orders module: PUT /api/order-settings, administrator). */
function Booking({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const s = useOrderSettings();
  const save = useSaveOrderSettings();
  const [draft, setDraft] = useState<OrderSettings | null>(null);
  useEffect(() => { if (s.data) setDraft(s.data); }, [s.data]);
  return (
    <Section title={t('admin.settings.booking')} testId="settings-booking">
      {draft ? (
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 2, sm: 3 }}>
            {NUMERIC.map((k) => (
              <NumberInput key={k} label={t(`admin.settings.${k}`)} min={0} value={draft[k] as number} disabled={!canEdit}
                onChange={(v) => setDraft({ ...draft, [k]: Number(v) || 0 })} />
            ))}
          </SimpleGrid>
          <Text size="xs" c="dimmed">{t('admin.settings.timeZone', { zone: draft.timeZone })}</Text>
          {canEdit ? <Group><Button size="xs" loading={save.isPending} onClick={() => save.mutate(draft)} data-testid="save-booking">{t('admin.save')}</Button></Group> : null}
        </Stack>
      ) : null}
      <ErrorAlert error={s.error ?? save.error} />
    </Section>
  );
}

function RetentionRow({ recordType, period, source, updatedAt, canEdit }: { recordType: string; period: string; source: string; updatedAt: string | null; canEdit: boolean }) {
  const { t } = useTranslation();
  const set = useSetRetention();
  const [value, setValue] = useState(period);
  return (
    <Table.Tr>
      <Table.Th scope="row" fw={400}>{t(`admin.retention.type.${recordType}`, { defaultValue: recordType })}</Table.Th>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <TextInput size="xs" value={value} onChange={(e) => setValue(e.currentTarget.value)} disabled={!canEdit} aria-label={t('admin.retention.periodOf', { type: recordType })} error={set.error ? (set.error as Error).message : undefined} w={140} />
          {canEdit ? <Button size="compact-xs" variant="light" loading={set.isPending} disabled={value === period} onClick={() => set.mutate({ recordType, period: value.trim() })}>{t('admin.save')}</Button> : null}
        </Group>
      </Table.Td>
      <Table.Td><Text size="xs" c={source === 'configured' ? 'blue.7' : 'dimmed'}>{t(`admin.retention.source.${source}`)}</Text></Table.Td>
      <Table.Td>{updatedAt ? formatDateTime(updatedAt) : '—'}</Table.Td>
    </Table.Tr>
  );
}

/** Office settings: targeting rate and random share, booking/dispatch, retention periods, checklist templates, devices, rules. */
export function SettingsView({ can }: { can: Record<string, boolean> }) {
  const { t, i18n } = useTranslation();
  const admin = !!can['admin.manage'];
  const retention = useRetention();
  const templates = useChecklistTemplates();
  const devices = useAdminDevices(admin);
  const lang = i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
  return (
    <>
      <PageHeader title={t('admin.settings.title')} testId="page-title" />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Targeting canEdit={!!can['risk.select']} />
        <Booking canEdit={admin} />
        <Section title={t('admin.retention.title')} testId="settings-retention">
          <Text size="xs" c="dimmed" mb="xs">{t('admin.retention.hint')}</Text>
          <Table.ScrollContainer minWidth={480}>
            <Table fz="sm" verticalSpacing={4}>
              <Table.Thead><Table.Tr><Table.Th>{t('admin.retention.recordType')}</Table.Th><Table.Th>{t('admin.retention.period')}</Table.Th><Table.Th>{t('admin.retention.sourceLabel')}</Table.Th><Table.Th>{t('admin.retention.updated')}</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>{retention.data?.items.map((r) => <RetentionRow key={`${r.recordType}:${r.period}`} {...r} canEdit={admin} />)}</Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <ErrorAlert error={retention.error} />
        </Section>
        <Section title={t('admin.settings.rules')} testId="settings-rules">
          <Text size="sm" mb="xs">{t('admin.settings.rulesHint')}</Text>
          <Anchor component={Link} to="/customs/eligibility-rules" size="sm">{t('admin.settings.openRules')}</Anchor>
        </Section>
        <Section title={t('admin.settings.templates')} testId="settings-templates">
          <Text size="xs" c="dimmed" mb="xs">{t('admin.settings.templatesHint')}</Text>
          <Stack gap="xs">
            {templates.data?.items.map((tpl) => (
              <div key={tpl.id}>
                <Text size="sm" fw={600}>{tpl.name[lang]} · {t(`orders.category.${tpl.goodsCategory}`, { defaultValue: tpl.goodsCategory })}</Text>
                <Text size="xs" c="dimmed">{tpl.steps.map((s) => s.text[lang]).join(' · ')}</Text>
              </div>
            ))}
          </Stack>
          <ErrorAlert error={templates.error} />
        </Section>
        {admin ? (
          <Section title={t('admin.settings.devices')} testId="settings-devices">
            <Text size="xs" c="dimmed" mb="xs">{t('admin.settings.devicesHint')}</Text>
            <Table.ScrollContainer minWidth={480}>
              <Table fz="sm" verticalSpacing={4}>
                <Table.Thead><Table.Tr><Table.Th>{t('admin.settings.enterprise')}</Table.Th><Table.Th>{t('admin.settings.device')}</Table.Th><Table.Th>{t('admin.settings.lastTest')}</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {devices.data?.items.map((d) => (
                    <Table.Tr key={d.id}>
                      <Table.Td>{d.orgName}</Table.Td>
                      <Table.Td>{d.name} ({t(`admin.deviceKind.${d.kind}`, { defaultValue: d.kind })}){d.active ? '' : ` · ${t('admin.users.inactiveBadge')}`}</Table.Td>
                      <Table.Td>{d.lastTest ? `${d.lastTest.passed ? t('admin.settings.passed') : t('admin.settings.failed')} · ${formatDateTime(d.lastTest.testedAt)}` : '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <ErrorAlert error={devices.error} />
          </Section>
        ) : null}
      </SimpleGrid>
    </>
  );
}
