import type { TFunction } from 'i18next';
import type { FrameNavItem } from '../../shared/ui/AppFrame.tsx';

export const COMMAND_BASE = '/command';

/** Navigation of the command console (supervisors, management, administrators); entries follow the `can` map. */
export function commandNav(can: Record<string, boolean>, t: TFunction): FrameNavItem[] {
  const admin = !!can['admin.manage'];
  const items: (FrameNavItem & { allowed: boolean })[] = [
    { to: `${COMMAND_BASE}/live`, label: t('nav.commandLive'), testId: 'nav-command-live', allowed: !!can['dashboard.read'] },
    { to: `${COMMAND_BASE}/figures`, label: t('nav.commandFigures'), testId: 'nav-command-figures', allowed: !!can['dashboard.read'] },
    { to: `${COMMAND_BASE}/admin/users`, label: t('nav.adminUsers'), testId: 'nav-admin-users', allowed: admin },
    { to: `${COMMAND_BASE}/admin/organisations`, label: t('nav.adminOrgs'), testId: 'nav-admin-orgs', allowed: admin },
    { to: `${COMMAND_BASE}/admin/inspectors`, label: t('nav.adminInspectors'), testId: 'nav-admin-inspectors', allowed: admin || !!can['order.plan'] },
    { to: `${COMMAND_BASE}/admin/api-tokens`, label: t('nav.adminTokens'), testId: 'nav-admin-tokens', allowed: admin },
    { to: `${COMMAND_BASE}/admin/webhooks`, label: t('nav.webhooks'), testId: 'nav-admin-webhooks', allowed: admin && !!can['webhook.manage'] },
    { to: `${COMMAND_BASE}/admin/settings`, label: t('nav.adminSettings'), testId: 'nav-admin-settings', allowed: admin || !!can['risk.select'] },
    { to: '/customs', label: t('nav.backToCustoms'), testId: 'nav-back-customs', allowed: true },
  ];
  return items.filter((i) => i.allowed);
}
