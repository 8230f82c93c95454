// Pages of the command console (issue 8): the live wall and the figures. Each checks the server's `can` map.
import { useMe } from '../../app/session.tsx';
import { NotAllowed } from '../../shared/ui/NotAllowed.tsx';
import { FiguresView } from './components/FiguresView.tsx';
import { LiveWall } from './components/LiveWall.tsx';

export function LivePage() {
  const { can } = useMe();
  if (!can['dashboard.read']) return <NotAllowed />;
  return <LiveWall />;
}

export function FiguresPage() {
  const { can } = useMe();
  if (!can['dashboard.read']) return <NotAllowed />;
  return <FiguresView />;
}
