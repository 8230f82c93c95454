import { useParams } from 'react-router-dom';
import { useMe } from '../../app/session.tsx';
import { NotAllowed } from '../../shared/ui/NotAllowed.tsx';
import { SessionConsole } from './components/SessionConsole.tsx';
import { SessionsListView } from './components/SessionsListView.tsx';
import { OperatorLinkView } from './components/OperatorLinkView.tsx';

const BASE = '/customs/sessions';
const consolePath = (id: string) => `${BASE}/${encodeURIComponent(id)}`;

/** Live sessions of the office; inspectors start sessions for their booked remote orders here. */
export function SessionsPage() {
  const { can } = useMe();
  if (!can['session.observe'] && !can['session.conduct']) return <NotAllowed />;
  return <SessionsListView consolePath={consolePath} canConduct={!!can['session.conduct']} />;
}

/** The inspector console of one session. */
export function SessionPage() {
  const { id = '' } = useParams();
  const { can } = useMe();
  if (!can['session.observe'] && !can['session.conduct']) return <NotAllowed />;
  return <SessionConsole id={id} backPath={BASE} />;
}

export { StartSessionButton } from './components/StartSessionButton.tsx';
export { consolePath as sessionConsolePath };

/** Enterprise portal: the on-site operator's camera links. */
export function OperatorCameraPage() {
  const { can } = useMe();
  if (!can['order.read']) return <NotAllowed />;
  return <OperatorLinkView />;
}
export { OrderSessionsPanel } from './components/OrderSessionsPanel.tsx';
