// Pages of issue 7 for the consoles' routes: the inspector's findings and decision, the supervisor's approval queue,
// the enterprise's outcomes. Each page checks the server's `can` map, never role names.
import { useParams } from 'react-router-dom';
import { useMe } from '../../app/session.tsx';
import { NotAllowed } from '../../shared/ui/NotAllowed.tsx';
import { ApprovalQueueView } from './components/ApprovalQueueView.tsx';
import { InspectionListView } from './components/InspectionListView.tsx';
import { InspectionView } from './components/InspectionView.tsx';
import { OutcomeDetailView, OutcomeListView } from './components/OutcomeViews.tsx';

const enc = encodeURIComponent;

export function FindingsListPage() {
  const { can } = useMe();
  if (!can['finding.record'] && !can['decision.approve']) return <NotAllowed />;
  return <InspectionListView detailPath={(id) => `/customs/findings/${enc(id)}`} />;
}

export function FindingsPage() {
  const { id = '' } = useParams();
  const { can } = useMe();
  if (!can['order.read']) return <NotAllowed />;
  return <InspectionView orderId={id} />;
}

export function ApprovalsPage() {
  const { can } = useMe();
  if (!can['decision.approve']) return <NotAllowed />;
  return <ApprovalQueueView casePath={(id) => `/customs/cases/${enc(id)}`} />;
}

export function OutcomesPage() {
  const { can } = useMe();
  if (!can['order.read']) return <NotAllowed />;
  return <OutcomeListView detailPath={(id) => `/enterprise/outcomes/${enc(id)}`} />;
}

export function OutcomePage() {
  const { id = '' } = useParams();
  const { can } = useMe();
  if (!can['order.read']) return <NotAllowed />;
  return <OutcomeDetailView orderId={id} />;
}
