// Webhook pages (issue 19.4): the command console's (administrators: the office's and its enterprises' endpoints)
// and the enterprise portal's (an enterprise user: their organisation's). Each checks the server's `can` map.
import { useMe } from '../../app/session.tsx';
import { NotAllowed } from '../../shared/ui/NotAllowed.tsx';
import { WebhooksView } from './WebhooksView.tsx';

export function WebhooksAdminPage() {
  const { can } = useMe();
  if (!can['webhook.manage'] || !can['admin.manage']) return <NotAllowed />;
  return <WebhooksView chooseOrg />;
}

export function WebhooksEnterprisePage() {
  const { can } = useMe();
  if (!can['webhook.manage']) return <NotAllowed />;
  return <WebhooksView chooseOrg={false} />;
}
