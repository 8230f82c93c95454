import type { TFunction } from 'i18next';
import type { FrameNavItem } from '../../shared/ui/AppFrame.tsx';

export const CUSTOMS_BASE = '/customs';

/** Navigation of the customs console; each entry appears only when the user's `can` map allows it. */
export function customsNav(can: Record<string, boolean>, t: TFunction): FrameNavItem[] {
  const items: (FrameNavItem & { allowed: boolean })[] = [
    { to: `${CUSTOMS_BASE}/declarations`, label: t('nav.officeDeclarations'), testId: 'nav-declarations', matchPrefix: true, allowed: !!can['declaration.read'] },
    { to: `${CUSTOMS_BASE}/plan`, label: t('nav.plan'), testId: 'nav-plan', allowed: !!can['order.plan'] },
    { to: `${CUSTOMS_BASE}/inbox`, label: t('nav.inbox'), testId: 'nav-inbox', allowed: !!can['order.decide_eligibility'] },
    { to: `${CUSTOMS_BASE}/findings`, label: t('nav.findings'), testId: 'nav-findings', matchPrefix: true, allowed: !!can['finding.record'] },
    { to: `${CUSTOMS_BASE}/approvals`, label: t('nav.approvals'), testId: 'nav-approvals', allowed: !!can['decision.approve'] },
    { to: `${CUSTOMS_BASE}/cases`, label: t('nav.cases'), testId: 'nav-cases', matchPrefix: true, allowed: !!can['audit.read'] },
    { to: `${CUSTOMS_BASE}/sessions`, label: t('nav.sessions'), testId: 'nav-sessions', matchPrefix: true, allowed: !!(can['session.observe'] || can['session.conduct']) },
    { to: `${CUSTOMS_BASE}/import`, label: t('nav.importCsv'), testId: 'nav-import', allowed: !!can['declaration.import'] },
    { to: `${CUSTOMS_BASE}/eligibility-rules`, label: t('nav.eligibilityRules'), testId: 'nav-eligibility-rules', allowed: !!can['admin.manage'] },
    { to: `${CUSTOMS_BASE}/risk-model`, label: t('nav.riskModel'), testId: 'nav-risk-model', allowed: !!can['model.read'] },
    { to: '/command', label: t('nav.command'), testId: 'nav-command', allowed: !!can['dashboard.read'] || !!can['admin.manage'] },
    { to: `${CUSTOMS_BASE}/audit`, label: t('nav.audit'), testId: 'nav-audit', allowed: !!can['audit.read'] },
    { to: `${CUSTOMS_BASE}/security`, label: t('nav.security'), testId: 'nav-security', allowed: true },
  ];
  return items.filter((i) => i.allowed);
}
