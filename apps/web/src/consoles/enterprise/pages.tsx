import { Button } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../app/session.tsx';
import { DeclarationListView } from '../../features/declarations/components/DeclarationListView.tsx';
import { DeclarationDetailView } from '../../features/declarations/components/DeclarationDetailView.tsx';
import { DeclarationForm } from '../../features/declarations/components/DeclarationForm.tsx';
import { ImportCsvView } from '../../features/declarations/components/ImportCsvView.tsx';
import { NotAllowed } from '../../shared/ui/NotAllowed.tsx';
import { PageHeader } from '../../shared/ui/PageHeader.tsx';
import { ENTERPRISE_BASE } from './nav.ts';

const detailPath = (id: string) => `${ENTERPRISE_BASE}/declarations/${encodeURIComponent(id)}`;

export function DeclarationsPage() {
  const { t } = useTranslation();
  const { can } = useMe();
  if (!can['declaration.read']) return <NotAllowed />;
  return (
    <DeclarationListView
      title={t('declarations.title')}
      detailPath={detailPath}
      showOrg={false}
      actions={can['declaration.create'] ? (
        <Button component={Link} to={`${ENTERPRISE_BASE}/declarations/new`} size="sm" data-testid="list-new-declaration">
          {t('nav.newDeclaration')}
        </Button>
      ) : null}
    />
  );
}

export function DeclarationPage() {
  const { id = '' } = useParams();
  return <DeclarationDetailView id={id} backPath={`${ENTERPRISE_BASE}/declarations`} />;
}

export function NewDeclarationPage() {
  const { t } = useTranslation();
  const { can } = useMe();
  const navigate = useNavigate();
  if (!can['declaration.create']) return <NotAllowed />;
  return (
    <>
      <PageHeader title={t('form.title')} testId="page-title" />
      <DeclarationForm onCreated={(id) => navigate(detailPath(id))} />
    </>
  );
}

export function ImportPage() {
  const { t } = useTranslation();
  const { can } = useMe();
  if (!can['declaration.import']) return <NotAllowed />;
  return (
    <>
      <PageHeader title={t('import.title')} testId="page-title" />
      <ImportCsvView chooseOrg={false} />
    </>
  );
}
