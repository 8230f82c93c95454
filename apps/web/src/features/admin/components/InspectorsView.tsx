import { useState } from 'react';
import { Badge, Button, Card, Checkbox, Chip, Group, MultiSelect, NativeSelect, NumberInput, SimpleGrid, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { GOODS_CATEGORIES, type InspectorView } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { useInspectors } from '../../orders/api.ts';
import { useDeclareConflict, useOfficeOrgs, useSaveProfile, useSaveRoster, useWithdrawConflict } from '../api.ts';

type Category = (typeof GOODS_CATEGORIES)[number];

function InspectorCard({ i, enterprises }: { i: InspectorView; enterprises: { id: string; name: string }[] }) {
  const { t } = useTranslation();
  const save = useSaveProfile();
  const roster = useSaveRoster();
  const declare = useDeclareConflict();
  const withdraw = useWithdrawConflict();
  const [quals, setQuals] = useState<string[]>(i.qualifications);
  const [capacity, setCapacity] = useState<number>(i.dailyCapacity);
  const [active, setActive] = useState(i.active);
  const [duty, setDuty] = useState<Record<string, boolean>>(Object.fromEntries(i.roster.map((r) => [r.date, r.onDuty])));
  const [conflictWith, setConflictWith] = useState(enterprises[0]?.id ?? '');
  const [conflictReason, setConflictReason] = useState('');
  const dates = i.roster.map((r) => r.date);
  return (
    <Card withBorder component="section" aria-label={i.name} data-testid="inspector-card">
      <Group justify="space-between" mb="xs">
        <Title order={3} fz="md">{i.name}</Title>
        <Badge color={i.active ? 'green' : 'gray'} variant="light">{i.active ? t('admin.users.activeBadge') : t('admin.users.inactiveBadge')}</Badge>
      </Group>
      <Stack gap="sm">
        <MultiSelect
          label={t('admin.inspectors.qualifications')} value={quals} onChange={setQuals} searchable
          data={GOODS_CATEGORIES.map((c) => ({ value: c, label: t(`orders.category.${c}`) }))}
        />
        <Group align="flex-end" gap="sm">
          <NumberInput label={t('admin.inspectors.capacity')} min={0} max={100} value={capacity} onChange={(v) => setCapacity(Number(v) || 0)} w={160} />
          <Switch label={t('admin.inspectors.inDispatch')} checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
          <Button size="xs" loading={save.isPending} onClick={() => save.mutate({ id: i.userId, body: { qualifications: quals as Category[], dailyCapacity: capacity, active } })}>{t('admin.save')}</Button>
        </Group>
        <div>
          <Text size="sm" fw={600} mb={4}>{t('admin.inspectors.roster')}</Text>
          <Group gap={4}>
            {dates.map((d) => (
              <Chip key={d} size="xs" checked={!!duty[d]} onChange={(v) => setDuty({ ...duty, [d]: v })} aria-label={t('admin.inspectors.onDutyOn', { date: d })}>{d.slice(5)}</Chip>
            ))}
          </Group>
          <Button mt={6} size="xs" variant="light" loading={roster.isPending} onClick={() => roster.mutate({ id: i.userId, body: { entries: dates.map((d) => ({ date: d, onDuty: !!duty[d] })) } })}>
            {t('admin.inspectors.saveRoster')}
          </Button>
        </div>
        <div>
          <Text size="sm" fw={600} mb={4}>{t('admin.inspectors.conflicts')}</Text>
          {i.conflicts.length ? i.conflicts.map((c) => (
            <Group key={c.enterpriseId} justify="space-between" wrap="nowrap">
              <Text size="sm">{c.enterpriseName}: {c.reason}</Text>
              <Button size="compact-xs" variant="subtle" color="red" loading={withdraw.isPending}
                onClick={() => withdraw.mutate({ id: i.userId, enterpriseId: c.enterpriseId, reason: t('admin.inspectors.withdrawnByAdmin') })}>{t('admin.inspectors.withdraw')}</Button>
            </Group>
          )) : <Text size="sm" c="dimmed">{t('admin.inspectors.noConflicts')}</Text>}
          <Group align="flex-end" gap="xs" mt={6} wrap="wrap">
            <NativeSelect label={t('admin.inspectors.enterprise')} value={conflictWith} onChange={(e) => setConflictWith(e.currentTarget.value)} data={enterprises.map((e) => ({ value: e.id, label: e.name }))} />
            <TextInput label={t('admin.reason')} value={conflictReason} onChange={(e) => setConflictReason(e.currentTarget.value)} maxLength={1000} />
            <Button size="xs" variant="light" disabled={conflictReason.trim().length < 3 || !conflictWith} loading={declare.isPending}
              onClick={() => declare.mutate({ id: i.userId, body: { enterpriseId: conflictWith, reason: conflictReason.trim() } }, { onSuccess: () => setConflictReason('') })}>
              {t('admin.inspectors.declare')}
            </Button>
          </Group>
        </div>
        <ErrorAlert error={save.error ?? roster.error ?? declare.error ?? withdraw.error} />
      </Stack>
    </Card>
  );
}

/** Inspectors of the office: qualifications, daily capacity, duty roster for the next two weeks, conflicts of interest. */
export function InspectorsView() {
  const { t } = useTranslation();
  const inspectors = useInspectors();
  const orgs = useOfficeOrgs();
  const enterprises = (orgs.data?.items ?? []).filter((o) => o.kind === 'enterprise').map((o) => ({ id: o.id, name: o.name }));
  const [showInactive, setShowInactive] = useState(true);
  const items = (inspectors.data?.items ?? []).filter((i) => showInactive || i.active);
  return (
    <>
      <PageHeader title={t('admin.inspectors.title')} testId="page-title" actions={<Checkbox label={t('admin.inspectors.showInactive')} checked={showInactive} onChange={(e) => setShowInactive(e.currentTarget.checked)} />} />
      <ErrorAlert error={inspectors.error} />
      {inspectors.isPending ? <Loading /> : null}
      {inspectors.data && !items.length ? <Text c="dimmed">{t('admin.inspectors.none')}</Text> : null}
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        {items.map((i) => <InspectorCard key={`${i.userId}:${i.qualifications.join()}:${i.dailyCapacity}:${i.conflicts.length}`} i={i} enterprises={enterprises} />)}
      </SimpleGrid>
    </>
  );
}
