import { Button } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiError } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { useOpenSession } from '../api.ts';

/**
 * "Start live session" for a booked remote order (the orders pages can place it next to the order): opens the
 * session (issuing the device link) and goes to the inspector console; an order with an open session goes there too.
 */
export function StartSessionButton({ orderId, consolePath }: { orderId: string; consolePath: (sessionId: string) => string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const open = useOpenSession((r) => navigate(consolePath(r.session.id), { state: { link: r.link, invite: r.invite ?? null } }));
  const existing = open.error instanceof ApiError && open.error.code === 'session_open' ? (open.error.details as { sessionId?: string } | undefined)?.sessionId : undefined;
  return (
    <>
      <Button
        size="xs" data-testid="start-session" loading={open.isPending}
        onClick={() => {
          if (existing) return navigate(consolePath(existing));
          open.mutate(orderId);
        }}
      >
        {existing ? t('sessions.list.openConsole') : t('sessions.list.start')}
      </Button>
      {open.error && !existing ? <ErrorAlert error={open.error} /> : null}
    </>
  );
}
