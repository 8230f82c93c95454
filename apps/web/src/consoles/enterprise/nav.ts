import type { TFunction } from 'i18next';
import type { FrameNavItem } from '../../shared/ui/AppFrame.tsx';

export const ENTERPRISE_BASE = '/enterprise';

/** Navigation of the enterprise portal; each entry appears only when the user's `can` map allows it. */
export function enterpriseNav(can: Record<string, boolean>, t: TFunction): FrameNavItem[] {
  const items: (FrameNavItem & { allowed: boolean })[] = [
    { to: `${ENTERPRISE_BASE}/declarations`, label: t('nav.declarations'), testId: 'nav-declarations', matchPrefix: true, allowed: !!can['declaration.read'] },
    { to: `${ENTERPRISE_BASE}/declarations/new`, label: t('nav.newDeclaration'), testId: 'nav-new-declaration', allowed: !!can['declaration.create'] },
    { to: `${ENTERPRISE_BASE}/import`, label: t('nav.importCsv'), testId: 'nav-import', allowed: !!can['declaration.import'] },
    { to: `${ENTERPRISE_BASE}/inspections`, label: t('nav.inspections'), testId: 'nav-inspections', allowed: !!can['order.read'] },
    { to: `${ENTERPRISE_BASE}/outcomes`, label: t('nav.outcomes'), testId: 'nav-outcomes', matchPrefix: true, allowed: !!can['order.read'] },
    // for the staff on site (who read orders but do not book them); the page itself lists only the user's own sessions
    { to: `${ENTERPRISE_BASE}/camera`, label: t('nav.cameraLink'), testId: 'nav-camera-link', allowed: !!can['order.read'] && !can['order.book'] },
    { to: `${ENTERPRISE_BASE}/webhooks`, label: t('nav.webhooks'), testId: 'nav-webhooks', allowed: !!can['webhook.manage'] },
    { to: `${ENTERPRISE_BASE}/security`, label: t('nav.security'), testId: 'nav-security', allowed: true },
  ];
  return items.filter((i) => i.allowed);
}
