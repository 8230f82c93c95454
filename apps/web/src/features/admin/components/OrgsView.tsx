import { useState, type FormEvent } from 'react';
import { Badge, Button, Card, Group, Modal, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CREDIT_RATINGS, type AdminOrg } from '@rvi/contracts';
import { ApiError } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { useAdminOrgs, useCreateOrg, useUpdateOrg } from '../api.ts';

const fieldErr = (err: unknown, f: string) => (err instanceof ApiError ? err.fieldErrors()[f] : undefined);
type Rating = (typeof CREDIT_RATINGS)[number];

function OrgForm({ org, offices, onDone }: { org: AdminOrg | null; offices: AdminOrg[]; onDone(): void }) {
  const { t } = useTranslation();
  const create = useCreateOrg();
  const update = useUpdateOrg();
  const m = org ? update : create;
  const [kind, setKind] = useState<'customs_office' | 'enterprise'>(org?.kind ?? 'enterprise');
  const [name, setName] = useState(org?.name ?? '');
  const [code, setCode] = useState(org?.code ?? '');
  const [office, setOffice] = useState(org?.supervisingOfficeId ?? offices[0]?.id ?? '');
  const [rating, setRating] = useState<string>(org?.creditRating ?? '');
  const [timeZone, setTimeZone] = useState(org?.timeZone ?? 'Asia/Shanghai');
  const [reason, setReason] = useState('');
  const enterprise = kind === 'enterprise';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (org) {
      const body = {
        ...(name !== org.name ? { name } : {}), ...(enterprise && office !== org.supervisingOfficeId ? { supervisingOfficeId: office } : {}),
        ...(enterprise && (rating || null) !== org.creditRating ? { creditRating: (rating || null) as Rating | null } : {}),
        ...(timeZone !== org.timeZone ? { timeZone } : {}), ...(reason.trim() ? { reason: reason.trim() } : {}),
      };
      if (!Object.keys(body).length) return onDone();
      update.mutate({ id: org.id, body }, { onSuccess: onDone });
    } else {
      create.mutate({
        kind, name: name.trim(), code: code.trim().toUpperCase(), timeZone,
        ...(enterprise ? { supervisingOfficeId: office, ...(rating ? { creditRating: rating as Rating } : {}) } : {}),
      }, { onSuccess: onDone });
    }
  };
  return (
    <form onSubmit={submit} noValidate data-testid="org-form">
      <Stack gap="sm">
        <NativeSelect label={t('admin.orgs.kind')} value={kind} disabled={!!org} onChange={(e) => setKind(e.currentTarget.value as typeof kind)}
          data={[{ value: 'enterprise', label: t('admin.orgs.enterprise') }, { value: 'customs_office', label: t('admin.orgs.office') }]} data-testid="org-kind" />
        <TextInput label={t('admin.orgs.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} required error={fieldErr(m.error, 'name')} data-testid="org-name" />
        <TextInput label={t('admin.orgs.code')} description={t('admin.orgs.codeHint')} value={code} disabled={!!org} onChange={(e) => setCode(e.currentTarget.value)} required error={fieldErr(m.error, 'code')} data-testid="org-code" />
        {enterprise ? (
          <>
            <NativeSelect label={t('admin.orgs.supervisingOffice')} value={office} onChange={(e) => setOffice(e.currentTarget.value)}
              data={offices.map((o) => ({ value: o.id, label: o.name }))} error={fieldErr(m.error, 'supervisingOfficeId')} data-testid="org-office" />
            <NativeSelect label={t('admin.orgs.creditRating')} description={t('admin.orgs.creditHint')} value={rating} onChange={(e) => setRating(e.currentTarget.value)}
              data={[{ value: '', label: t('admin.orgs.noRating') }, ...CREDIT_RATINGS.map((r) => ({ value: r, label: r }))]} data-testid="org-rating" />
          </>
        ) : null}
        <TextInput label={t('admin.orgs.timeZone')} value={timeZone} onChange={(e) => setTimeZone(e.currentTarget.value)} error={fieldErr(m.error, 'timeZone')} />
        {org ? <TextInput label={t('admin.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={500} /> : null}
        <ErrorAlert error={m.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>{t('common.cancel')}</Button>
          <Button type="submit" loading={m.isPending} data-testid="org-save">{t('admin.save')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Customs offices and enterprises: create, rename, credit rating, supervising office, time zone. */
export function OrgsView() {
  const { t } = useTranslation();
  const orgs = useAdminOrgs();
  const [editing, setEditing] = useState<AdminOrg | 'new' | null>(null);
  const offices = orgs.data?.items.filter((o) => o.kind === 'customs_office') ?? [];
  return (
    <>
      <PageHeader title={t('admin.orgs.title')} testId="page-title" actions={<Button onClick={() => setEditing('new')} disabled={!orgs.data} data-testid="org-new">{t('admin.orgs.new')}</Button>} />
      <ErrorAlert error={orgs.error} />
      {orgs.isPending ? <Loading /> : null}
      <Card withBorder p={0}>
        <Table.ScrollContainer minWidth={760}>
          <Table striped fz="sm" verticalSpacing={6} data-testid="orgs-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('admin.orgs.name')}</Table.Th>
                <Table.Th>{t('admin.orgs.code')}</Table.Th>
                <Table.Th>{t('admin.orgs.kind')}</Table.Th>
                <Table.Th>{t('admin.orgs.supervisingOffice')}</Table.Th>
                <Table.Th>{t('admin.orgs.creditRating')}</Table.Th>
                <Table.Th ta="right">{t('admin.orgs.users')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {orgs.data?.items.map((o) => (
                <Table.Tr key={o.id} data-testid="org-row" data-code={o.code}>
                  <Table.Td>{o.name}</Table.Td>
                  <Table.Td>{o.code}</Table.Td>
                  <Table.Td>{o.kind === 'enterprise' ? t('admin.orgs.enterprise') : t('admin.orgs.office')}</Table.Td>
                  <Table.Td>{o.supervisingOfficeName ?? '—'}</Table.Td>
                  <Table.Td>{o.creditRating ? <Badge variant="light" color={['C', 'D'].includes(o.creditRating) ? 'red' : 'blue'}>{o.creditRating}</Badge> : '—'}</Table.Td>
                  <Table.Td ta="right">{o.users}</Table.Td>
                  <Table.Td><Button size="compact-xs" variant="subtle" onClick={() => setEditing(o)} aria-label={t('admin.orgs.editLabel', { name: o.name })}>{t('admin.edit')}</Button></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {orgs.data && !orgs.data.items.length ? <Text p="sm" size="sm" c="dimmed">{t('admin.orgs.none')}</Text> : null}
      </Card>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === 'new' ? t('admin.orgs.new') : t('admin.orgs.edit')}>
        {editing !== null && orgs.data ? <OrgForm org={editing === 'new' ? null : editing} offices={offices} onDone={() => setEditing(null)} /> : null}
      </Modal>
    </>
  );
}
