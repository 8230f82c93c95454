import { useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../app/session.tsx';
import { DeclarationListView } from '../../features/declarations/components/DeclarationListView.tsx';
import { DeclarationDetailView } from '../../features/declarations/components/DeclarationDetailView.tsx';
import { ImportCsvView } from '../../features/declarations/components/ImportCsvView.tsx';
import { AuditLogView } from '../../features/audit/AuditLogView.tsx';
import { RiskPanel } from '../../features/risk/components/RiskPanel.tsx';
import { ModelPageView } from '../../features/risk/components/ModelPageView.tsx';
import { NotAllowed } from '../../shared/ui/NotAllowed.tsx';
import { PageHeader } from '../../shared/ui/PageHeader.tsx';
import { CUSTOMS_BASE } from './nav.ts';

const detailPath = (id: string) => `${CUSTOMS_BASE}/declarations/${encodeURIComponent(id)}`;

export function DeclarationsPage() {
  const { t } = useTranslation();
  const { can } = useMe();
  if (!can['declaration.read']) return <NotAllowed />;
  return <DeclarationListView title={t('declarations.officeTitle')} detailPath={detailPath} showOrg />;
}

export function DeclarationPage() {
  const { id = '' } = useParams();
  const { can } = useMe();
  return (
    <DeclarationDetailView
      id={id}
      backPath={`${CUSTOMS_BASE}/declarations`}
      extra={can['risk.read'] ? <RiskPanel declarationId={id} canReplay={!!can['audit.read']} /> : null}
    />
  );
}

/** Administrators import on behalf of an enterprise of their office. */
export function ImportPage() {
  const { t } = useTranslation();
  const { can } = useMe();
  if (!can['declaration.import']) return <NotAllowed />;
  return (
    <>
      <PageHeader title={t('import.title')} testId="page-title" />
      <ImportCsvView chooseOrg />
    </>
  );
}

export function AuditPage() {
  const { can } = useMe();
  if (!can['audit.read']) return <NotAllowed />;
  return <AuditLogView canVerify={!!can['audit.verify']} />;
}

export function RiskModelPage() {
  const { can } = useMe();
  if (!can['model.read']) return <NotAllowed />;
  return <ModelPageView can={{ manage: !!can['model.manage'], select: !!can['risk.select'], readSettings: !!can['risk.read'] }} />;
}
