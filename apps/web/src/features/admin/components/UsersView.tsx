import { useState, type FormEvent } from 'react';
import { Badge, Button, Card, Group, Modal, NativeSelect, PasswordInput, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CUSTOMS_ROLES, ENTERPRISE_ROLES, ROLES, type AdminOrg, type AdminUser, type AdminUserQuery, type Role } from '@rvi/contracts';
import { ApiError } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { useAdminOrgs, useAdminUsers, useCreateUser, useUpdateUser } from '../api.ts';

const rolesFor = (org: AdminOrg | undefined): readonly Role[] => (org?.kind === 'enterprise' ? ENTERPRISE_ROLES : CUSTOMS_ROLES);
const fieldErr = (err: unknown, f: string) => (err instanceof ApiError ? err.fieldErrors()[f] : undefined);

function UserForm({ user, orgs, onDone }: { user: AdminUser | null; orgs: AdminOrg[]; onDone(): void }) {
  const { t } = useTranslation();
  const create = useCreateUser();
  const update = useUpdateUser();
  const m = user ? update : create;
  const [username, setUsername] = useState(user?.username ?? '');
  const [displayName, setDisplayName] = useState(user?.displayName ?? '');
  const [orgId, setOrgId] = useState(user?.orgId ?? orgs[0]?.id ?? '');
  const org = orgs.find((o) => o.id === orgId);
  const [role, setRole] = useState<Role>(user?.role ?? rolesFor(org)[0]);
  const [password, setPassword] = useState('');
  const [locale, setLocale] = useState(user?.locale ?? 'en');
  const [active, setActive] = useState(user?.active ?? true);
  const [reason, setReason] = useState('');
  const roles = rolesFor(org);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (user) {
      const body = {
        ...(displayName !== user.displayName ? { displayName } : {}), ...(role !== user.role ? { role } : {}), ...(orgId !== user.orgId ? { orgId } : {}),
        ...(active !== user.active ? { active } : {}), ...(locale !== user.locale ? { locale: locale as 'en' | 'zh-CN' } : {}),
        ...(password ? { password } : {}), ...(reason.trim() ? { reason: reason.trim() } : {}),
      };
      if (!Object.keys(body).length) return onDone();
      update.mutate({ id: user.id, body }, { onSuccess: onDone });
    } else {
      create.mutate({ username: username.trim(), displayName: displayName.trim(), role, orgId, password, locale: locale as 'en' | 'zh-CN' }, { onSuccess: onDone });
    }
  };
  return (
    <form onSubmit={submit} noValidate data-testid="user-form">
      <Stack gap="sm">
        <TextInput label={t('admin.users.username')} value={username} onChange={(e) => setUsername(e.currentTarget.value)} disabled={!!user} required error={fieldErr(m.error, 'username')} data-testid="user-username" />
        <TextInput label={t('admin.users.displayName')} value={displayName} onChange={(e) => setDisplayName(e.currentTarget.value)} required error={fieldErr(m.error, 'displayName')} data-testid="user-display-name" />
        <NativeSelect
          label={t('admin.users.organisation')} value={orgId} data-testid="user-org"
          onChange={(e) => { const id = e.currentTarget.value; setOrgId(id); const r = rolesFor(orgs.find((o) => o.id === id)); if (!r.includes(role)) setRole(r[0]); }}
          data={orgs.map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))}
        />
        <NativeSelect label={t('admin.users.role')} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} data={roles.map((r) => ({ value: r, label: t(`roles.${r}`) }))} error={fieldErr(m.error, 'role')} data-testid="user-role" />
        <NativeSelect label={t('admin.users.locale')} value={locale} onChange={(e) => setLocale(e.currentTarget.value)} data={[{ value: 'en', label: 'English' }, { value: 'zh-CN', label: '简体中文' }]} />
        <PasswordInput
          label={user ? t('admin.users.newPassword') : t('admin.users.password')} description={t('admin.users.passwordHint')} value={password}
          onChange={(e) => setPassword(e.currentTarget.value)} required={!user} error={fieldErr(m.error, 'password')} autoComplete="new-password" data-testid="user-password"
        />
        {user ? (
          <>
            <Switch label={t('admin.users.active')} checked={active} onChange={(e) => setActive(e.currentTarget.checked)} data-testid="user-active" />
            <TextInput label={t('admin.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={500} />
          </>
        ) : null}
        <ErrorAlert error={m.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>{t('common.cancel')}</Button>
          <Button type="submit" loading={m.isPending} data-testid="user-save">{t('admin.save')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Users of every organisation: filter, create, change role / organisation / status / password. */
export function UsersView() {
  const { t } = useTranslation();
  const [q, setQ] = useState<AdminUserQuery>({});
  const users = useAdminUsers(q);
  const orgs = useAdminOrgs();
  const [editing, setEditing] = useState<AdminUser | 'new' | null>(null);
  return (
    <>
      <PageHeader title={t('admin.users.title')} testId="page-title" actions={<Button onClick={() => setEditing('new')} disabled={!orgs.data} data-testid="user-new">{t('admin.users.new')}</Button>} />
      <Stack gap="md">
        <Group gap="sm" align="flex-end" wrap="wrap" role="search" aria-label={t('admin.users.filters')}>
          <TextInput label={t('admin.users.search')} value={q.q ?? ''} onChange={(e) => setQ({ ...q, q: e.currentTarget.value || undefined })} data-testid="user-search" />
          <NativeSelect label={t('admin.users.organisation')} value={q.orgId ?? ''} onChange={(e) => setQ({ ...q, orgId: e.currentTarget.value || undefined })}
            data={[{ value: '', label: t('dashboard.all') }, ...(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: o.name }))]} />
          <NativeSelect label={t('admin.users.role')} value={q.role ?? ''} onChange={(e) => setQ({ ...q, role: (e.currentTarget.value || undefined) as Role | undefined })}
            data={[{ value: '', label: t('dashboard.all') }, ...ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))]} />
        </Group>
        <ErrorAlert error={users.error ?? orgs.error} />
        {users.isPending ? <Loading /> : null}
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={720}>
            <Table striped fz="sm" verticalSpacing={6} data-testid="users-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('admin.users.username')}</Table.Th>
                  <Table.Th>{t('admin.users.displayName')}</Table.Th>
                  <Table.Th>{t('admin.users.role')}</Table.Th>
                  <Table.Th>{t('admin.users.organisation')}</Table.Th>
                  <Table.Th>{t('admin.users.status')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data?.items.map((u) => (
                  <Table.Tr key={u.id} data-testid="user-row" data-username={u.username}>
                    <Table.Td>{u.username}</Table.Td>
                    <Table.Td>{u.displayName}</Table.Td>
                    <Table.Td>{t(`roles.${u.role}`)}</Table.Td>
                    <Table.Td>{u.orgName}</Table.Td>
                    <Table.Td><Badge color={u.active ? 'green' : 'gray'} variant="light">{u.active ? t('admin.users.activeBadge') : t('admin.users.inactiveBadge')}</Badge></Table.Td>
                    <Table.Td><Button size="compact-xs" variant="subtle" onClick={() => setEditing(u)} aria-label={t('admin.users.editLabel', { name: u.username })}>{t('admin.edit')}</Button></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {users.data && !users.data.items.length ? <Text p="sm" size="sm" c="dimmed">{t('admin.users.none')}</Text> : null}
        </Card>
      </Stack>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === 'new' ? t('admin.users.new') : t('admin.users.edit')}>
        {editing !== null && orgs.data ? <UserForm user={editing === 'new' ? null : editing} orgs={orgs.data.items} onDone={() => setEditing(null)} /> : null}
      </Modal>
    </>
  );
}
