// Pages of issue 4 for the consoles' routes (customs: plan, inbox, order, rules; enterprise: inspections). Each page
// checks the server's `can` map and never role names.
import { useParams } from 'react-router-dom';
import { useMe } from '../../app/session.tsx';
import { NotAllowed } from '../../shared/ui/NotAllowed.tsx';
import { InboxView } from './components/InboxView.tsx';
import { InspectionsView } from './components/InspectionsView.tsx';
import { OrderDetailView } from './components/OrderDetailView.tsx';
import { PlanView } from './components/PlanView.tsx';
import { RulesView } from './components/RulesView.tsx';

export function PlanPage() {
  const { can } = useMe();
  if (!can['order.plan']) return <NotAllowed />;
  return <PlanView can={can} />;
}

export function InboxPage() {
  const { can } = useMe();
  if (!can['order.decide_eligibility']) return <NotAllowed />;
  return <InboxView />;
}

export function OrderPage() {
  const { id = '' } = useParams();
  const { can } = useMe();
  if (!can['order.read']) return <NotAllowed />;
  return <OrderDetailView id={id} can={can} />;
}

export function RulesPage() {
  const { can, org } = useMe();
  if (!can['order.read'] || org.kind !== 'customs_office') return <NotAllowed />;
  return <RulesView canEdit={!!can['admin.manage']} />;
}

export function InspectionsPage() {
  const { can } = useMe();
  if (!can['order.read']) return <NotAllowed />;
  return <InspectionsView />;
}
