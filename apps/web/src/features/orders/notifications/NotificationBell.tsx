import { ActionIcon, Badge, Button, Group, Indicator, Popover, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import type { Notification } from '@rvi/contracts';
import { formatDateTime } from '../../../shared/format.ts';
import { notificationKey, useMarkRead, useNotifications } from './api.ts';
import { useLiveUpdates } from './live.ts';

/** A bell outline (inline SVG: no icon font or emoji font needed). */
function BellIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

/**
 * Where a notification leads: the order page of the user's console; for the on-site operator, a live session's
 * notification leads to its camera link (a fresh one; on a phone straight into the camera page).
 */
function linkOf(n: Notification, base: string): string | null {
  const sid = n.payload.sessionId;
  if (base === '/enterprise' && n.kind.startsWith('session.') && typeof sid === 'string') return `/enterprise/camera?session=${encodeURIComponent(sid)}&go=1`;
  const id = n.payload.orderId;
  if (typeof id !== 'string') return null;
  return base === '/enterprise' ? `/enterprise/inspections?order=${encodeURIComponent(id)}` : `/customs/orders/${encodeURIComponent(id)}`;
}

/**
 * Notification centre: a bell with the unread count in the header; the list opens in a popover. Keeps the live
 * connection (WebSocket) of the page open, so lists refresh when someone else changes an order.
 */
export function NotificationBell({ userId, consoleBase }: { userId: string; consoleBase: '/enterprise' | '/customs' }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const live = useLiveUpdates(userId);
  const q = useNotifications();
  const mark = useMarkRead();
  const unread = q.data?.unread ?? 0;
  const items = q.data?.items ?? [];
  return (
    <Popover width={360} position="bottom-end" shadow="md" withinPortal>
      <Popover.Target>
        <Indicator label={unread > 99 ? '99+' : unread} size={16} disabled={unread === 0} color="red" offset={4}>
          <ActionIcon variant="default" size="lg" aria-label={t('notifications.open', { count: unread })} data-testid="notification-bell" data-unread={unread} data-live={live}>
            <BellIcon />
          </ActionIcon>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown p="xs" data-testid="notification-list">
        <Group justify="space-between" mb="xs">
          <Text fw={600} size="sm">{t('notifications.title')}</Text>
          <Button size="compact-xs" variant="subtle" disabled={unread === 0} loading={mark.isPending} onClick={() => mark.mutate('all')} data-testid="notifications-read-all">
            {t('notifications.markAllRead')}
          </Button>
        </Group>
        {items.length === 0 ? <Text size="sm" c="dimmed">{t('notifications.empty')}</Text> : null}
        <ScrollArea.Autosize mah={420}>
          <Stack gap={4}>
            {items.map((n) => {
              const link = linkOf(n, consoleBase);
              return (
                <UnstyledButton
                  key={n.id}
                  p={6}
                  style={{ borderRadius: 4, background: n.readAt ? undefined : 'var(--mantine-color-blue-light)' }}
                  data-testid="notification-item"
                  data-kind={n.kind}
                  data-read={n.readAt ? 'true' : 'false'}
                  onClick={() => {
                    if (!n.readAt) mark.mutate([n.id]);
                    if (link) navigate(link);
                  }}
                >
                  <Text size="sm">{t(notificationKey(n.kind), { ...n.payload, defaultValue: n.kind })}</Text>
                  <Group gap={6}>
                    <Text size="xs" c="dimmed">{formatDateTime(n.createdAt)}</Text>
                    {n.readAt ? null : <Badge size="xs" variant="light">{t('notifications.new')}</Badge>}
                  </Group>
                </UnstyledButton>
              );
            })}
          </Stack>
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}
