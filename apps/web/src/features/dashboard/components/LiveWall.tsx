import { useEffect, useRef, useState } from 'react';
import { Alert, Badge, Box, Button, Card, Group, Image, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { LiveAlert, LiveSessionTile, NetworkQuality } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useAlerts, useLiveSessions, useQueues } from '../api.ts';
import { formatElapsed } from '../format.ts';

const QUALITY_COLOR: Record<NetworkQuality, string> = { good: 'green', fair: 'yellow', poor: 'red', unknown: 'gray' };

/** Re-renders every second (tile durations). */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

function SessionTile({ s, now }: { s: LiveSessionTile; now: number }) {
  const { t } = useTranslation();
  const elapsed = formatElapsed(now - Date.parse(s.startedAt));
  const goods = t(`orders.category.${s.goodsCategory}`, { defaultValue: s.goodsCategory });
  return (
    <Card withBorder padding="sm" component="article" aria-label={t('dashboard.tileLabel', { order: s.orderNo, enterprise: s.enterpriseName })} data-testid="session-tile" data-session-id={s.sessionId}>
      <Card.Section>
        {s.thumbnailUrl ? (
          <Image src={s.thumbnailUrl} alt={t('dashboard.thumbnailAlt', { order: s.orderNo })} h={150} fit="cover" />
        ) : (
          <Box h={150} bg="dark.6" style={{ display: 'grid', placeItems: 'center' }}>
            <Text c="gray.4" size="sm">{t('dashboard.noSnapshot')}</Text>
          </Box>
        )}
      </Card.Section>
      <Stack gap={4} mt="xs">
        <Text fw={700} lineClamp={2} data-testid="tile-enterprise">{s.enterpriseName}</Text>
        <Text size="sm" lineClamp={2} title={s.goodsDescription ?? undefined}>{goods} · HS {s.hs6}{s.goodsDescription ? ` · ${s.goodsDescription}` : ''}</Text>
        <Text size="sm" c="dimmed" lineClamp={2}>{t('dashboard.tileInspector', { name: s.inspectorName ?? '—' })} · {s.orderNo}</Text>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text size="sm" ff="monospace" aria-label={t('dashboard.duration')} data-testid="tile-duration">{elapsed}</Text>
          <Text size="xs" c="dimmed" truncate>{t(`dashboard.sessionState.${s.state}`, { defaultValue: s.state })}</Text>
          <Badge
            color={QUALITY_COLOR[s.network.quality]} variant="filled" style={{ flexShrink: 0 }} data-testid="tile-network" data-quality={s.network.quality}
            title={t(`dashboard.network.${s.network.quality}`)} aria-label={t(`dashboard.network.${s.network.quality}`)}
          >
            {t(`dashboard.networkShort.${s.network.quality}`)}
          </Badge>
        </Group>
        {s.network.rung || s.network.transport ? (
          // the device's rung of the quality ladder and why, and how its media travels: what the camera page and the console show
          <Text
            size="xs" c="dimmed" truncate data-testid="tile-rung" data-rung={s.network.rung?.rung ?? ''} data-transport={s.network.transport ?? ''}
            title={s.network.rung ? t('sessions.event.quality_rung', {
              rung: t(`camera.rung.${s.network.rung.rung}`, { defaultValue: s.network.rung.rung }),
              rungReason: s.network.rung.reason ? t(`camera.rungReason.${s.network.rung.reason}`, { value: s.network.rung.value ?? '', defaultValue: s.network.rung.reason }) : '—',
            }) : undefined}
          >
            {[
              s.network.rung ? t(`camera.rung.${s.network.rung.rung}`, { defaultValue: s.network.rung.rung }) : null,
              s.network.transport ? t(`sessions.stats.transports.${s.network.transport}`, { defaultValue: s.network.transport }) : null,
            ].filter(Boolean).join(' · ')}
          </Text>
        ) : null}
        {s.canObserve ? (
          <Button component={Link} to={s.observeUrl} size="xs" variant="light" data-testid="tile-observe" aria-label={t('dashboard.observeLabel', { order: s.orderNo })}>
            {t('dashboard.observe')}
          </Button>
        ) : null}
      </Stack>
    </Card>
  );
}

function AlertRow({ a }: { a: LiveAlert }) {
  const { t } = useTranslation();
  const detail = a.kind === 'overdue'
    ? (a.detail.dueDate ? t('dashboard.alert.pastDue', { date: a.detail.dueDate }) : t('dashboard.alert.pastTarget', { hours: a.detail.targetHours, state: t(`orders.state.${a.detail.state}`, { defaultValue: String(a.detail.state) }) }))
    : a.kind === 'bad_network' ? (a.detail.reconnecting ? t('dashboard.alert.reconnecting') : t('dashboard.alert.badNetwork'))
    : t('dashboard.alert.missed', { count: Number(a.detail.missedCount ?? 1) });
  const target = a.orderId ? `/customs/orders/${encodeURIComponent(a.orderId)}` : null;
  return (
    <Alert color={a.severity === 'critical' ? 'red' : 'yellow'} variant="light" p="xs" data-testid="alert" data-kind={a.kind} title={t(`dashboard.alert.kind.${a.kind}`)}>
      <Text size="sm">
        {target ? <Link to={target}>{a.orderNo}</Link> : a.orderNo} · {a.enterpriseName} · {detail}
      </Text>
      <Text size="xs" c="dimmed">{t('dashboard.alert.since', { at: formatDateTime(a.since) })}</Text>
    </Alert>
  );
}

/**
 * The command wall: live sessions as tiles, queues by state, alerts. Refreshed by the server's invalidations (a
 * session or an order changed) without reloading; a "full screen" button for the wall display.
 */
export function LiveWall() {
  const { t } = useTranslation();
  const tiles = useLiveSessions();
  const queues = useQueues();
  const alerts = useAlerts();
  const now = useNow();
  const wall = useRef<HTMLDivElement>(null);
  const fullScreen = () => { void wall.current?.requestFullscreen?.().catch(() => undefined); };
  const items = tiles.data?.items ?? [];
  return (
    <Box ref={wall} bg="var(--mantine-color-body)" p={{ base: 0, xl: 'xs' }} style={{ overflow: 'auto' }}>
      <PageHeader
        title={t('dashboard.liveTitle')} testId="page-title"
        actions={<Button variant="default" size="xs" onClick={fullScreen} data-testid="wall-fullscreen">{t('dashboard.fullScreen')}</Button>}
      />
      <Stack gap="lg">
        <section aria-labelledby="alerts-title">
          <Title order={3} fz="md" mb="xs" id="alerts-title">{t('dashboard.alertsTitle', { count: alerts.data?.items.length ?? 0 })}</Title>
          <ErrorAlert error={alerts.error} />
          {alerts.data && !alerts.data.items.length ? <Text size="sm" c="dimmed" data-testid="no-alerts">{t('dashboard.noAlerts')}</Text> : null}
          <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="xs" data-testid="alerts">
            {alerts.data?.items.slice(0, 12).map((a) => <AlertRow key={a.id} a={a} />)}
          </SimpleGrid>
        </section>

        <section aria-labelledby="sessions-title">
          <Title order={3} fz="md" mb="xs" id="sessions-title">{t('dashboard.sessionsTitle', { count: items.length })}</Title>
          <ErrorAlert error={tiles.error} />
          {tiles.isPending ? <Loading /> : null}
          {tiles.data && !items.length ? <Text size="sm" c="dimmed" data-testid="no-sessions">{t('dashboard.noSessions')}</Text> : null}
          <SimpleGrid spacing="sm" data-testid="session-tiles" style={{ gridTemplateColumns: 'repeat(auto-fill, minmax(240px, 1fr))' }}>
            {items.map((s) => <SessionTile key={s.sessionId} s={s} now={now} />)}
          </SimpleGrid>
        </section>

        <section aria-labelledby="queues-title">
          <Title order={3} fz="md" mb="xs" id="queues-title">{t('dashboard.queuesTitle')}</Title>
          <ErrorAlert error={queues.error} />
          <SimpleGrid cols={{ base: 1, xs: 2, md: 3, xl: 6 }} spacing="sm" data-testid="queues">
            {queues.data?.queues.map((q) => (
              <Card key={q.key} withBorder padding="sm" component="section" aria-label={t(`dashboard.queue.${q.key}`)} data-testid={`queue-${q.key}`}>
                <Group justify="space-between" wrap="nowrap">
                  <Text size="sm" fw={600}>{t(`dashboard.queue.${q.key}`)}</Text>
                  <Text fw={700} fz="xl" data-testid={`queue-${q.key}-count`}>{q.count}</Text>
                </Group>
                <Stack gap={2} mt={4}>
                  {q.items.slice(0, 5).map((i) => (
                    <Text key={i.id} size="xs" c={i.overdue ? 'red.7' : undefined} truncate>
                      {i.orderId ? <Link to={`/customs/orders/${encodeURIComponent(i.orderId)}`}>{i.ref}</Link> : i.ref} · {i.enterpriseName}
                      {i.overdue ? ` · ${t('dashboard.overdue')}` : ''}
                    </Text>
                  ))}
                </Stack>
              </Card>
            ))}
          </SimpleGrid>
        </section>
      </Stack>
    </Box>
  );
}
