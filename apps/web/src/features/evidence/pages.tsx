// Pages of issue 7 for the customs console: the office's cases and the case story with the evidence download.
import { useParams } from 'react-router-dom';
import { useMe } from '../../app/session.tsx';
import { NotAllowed } from '../../shared/ui/NotAllowed.tsx';
import { CaseListView } from './components/CaseListView.tsx';
import { CaseStoryView } from './components/CaseStoryView.tsx';

export function CasesPage() {
  const { can } = useMe();
  if (!can['audit.read']) return <NotAllowed />;
  return <CaseListView detailPath={(id) => `/customs/cases/${encodeURIComponent(id)}`} />;
}

export function CasePage() {
  const { id = '' } = useParams();
  const { can } = useMe();
  if (!can['audit.read']) return <NotAllowed />;
  return <CaseStoryView orderId={id} canExport={!!can['evidence.export']} />;
}
