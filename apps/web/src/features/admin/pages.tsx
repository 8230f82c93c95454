// Administration pages of the command console (issue 8). Each checks the server's `can` map.
import { useMe } from '../../app/session.tsx';
import { NotAllowed } from '../../shared/ui/NotAllowed.tsx';
import { InspectorsView } from './components/InspectorsView.tsx';
import { OrgsView } from './components/OrgsView.tsx';
import { SettingsView } from './components/SettingsView.tsx';
import { UsersView } from './components/UsersView.tsx';
import { TokensView } from './components/TokensView.tsx';

export function UsersPage() {
  const { can } = useMe();
  if (!can['admin.manage']) return <NotAllowed />;
  return <UsersView />;
}

export function OrgsPage() {
  const { can } = useMe();
  if (!can['admin.manage']) return <NotAllowed />;
  return <OrgsView />;
}

/** Inspectors' qualifications, capacity, rosters and conflicts: administrators and supervisors (who plan). */
export function InspectorsPage() {
  const { can } = useMe();
  if (!can['admin.manage'] && !can['order.plan']) return <NotAllowed />;
  return <InspectorsView />;
}

export function SettingsPage() {
  const { can } = useMe();
  if (!can['admin.manage'] && !can['risk.select']) return <NotAllowed />;
  return <SettingsView can={can} />;
}

/** API tokens of every organisation (issue 19): administrators. */
export function TokensPage() {
  const { can } = useMe();
  if (!can['admin.manage']) return <NotAllowed />;
  return <TokensView />;
}
