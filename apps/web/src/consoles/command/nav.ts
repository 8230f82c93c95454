import type { TFunction } from 'i18next';
import type { FrameNavItem } from '../../shared/ui/AppFrame.tsx';

export const COMMAND_BASE = '/command';

/** Navigation of the command console (supervisors, management, administrators); entries follow the `can` map. */
export function commandNav(can: Record<string, boolean>, t: TFunction): FrameNavItem[] {
  const items: (FrameNavItem & { allowed: boolean })[] = [
    { to: `${COMMAND_BASE}/live`, label: t('nav.commandLive'), testId: 'nav-command-live', allowed: !!can['dashboard.read'] },
    { to: `${COMMAND_BASE}/figures`, label: t('nav.commandFigures'), testId: 'nav-command-figures', allowed: !!can['dashboard.read'] },
    { to: '/customs', label: t('nav.backToCustoms'), testId: 'nav-back-customs', allowed: true },
  ];
  return items.filter((i) => i.allowed);
}
