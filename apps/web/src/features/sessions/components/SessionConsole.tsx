import { useEffect, useRef, useState, type RefObject } from 'react';
import { Alert, Anchor, Badge, Box, Button, Card, Grid, Group, List, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import type { AnchorUpdate, DeviceLink, InviteResult, SessionDetail } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { newClientId, useEndSession, useGuidance, useIssueLink, useSession } from '../api.ts';
import { useLiveSession, type LiveView } from '../live.ts';
import { useMe } from '../../../app/session.tsx';
import { containRect, drawShapes, mapShapes, type Shape } from '../draw.ts';
import { ChecklistPanel } from './ChecklistPanel.tsx';
import { DeviceLinkCard } from './DeviceLinkCard.tsx';
import { InvitePanel } from './InvitePanel.tsx';
import { LiveReadingOverlay } from './LiveReadingOverlay.tsx';
import { DrawPad, freezeFrame, type FrozenFrame } from './DrawPad.tsx';
import { RecordingList, SnapshotGallery } from './MediaPanel.tsx';
import { SessionStateBadge } from './SessionsListView.tsx';
import { TimelinePanel } from './TimelinePanel.tsx';

function Stat({ label, value, testId }: { label: string; value: string | number | undefined | null; testId: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" fw={600} data-testid={testId}>{value ?? '–'}</Text>
    </Stack>
  );
}

/** getStats figures of what the inspector receives, and what the device reports it sends. */
function StatsPanel({ live }: { live: LiveView }) {
  const { t } = useTranslation();
  const s = live.stats;
  const d = live.deviceStats;
  return (
    <Card withBorder p="xs" data-testid="stats-panel">
      <SimpleGrid cols={{ base: 3, sm: 8 }} spacing="xs">
        <Stat label={t('sessions.stats.bitrate')} value={s ? `${s.bitrateKbps} kbit/s` : null} testId="stat-bitrate" />
        <Stat label={t('sessions.stats.rtt')} value={s?.rttMs !== undefined ? `${s.rttMs} ms` : null} testId="stat-rtt" />
        <Stat label={t('sessions.stats.loss')} value={s ? `${s.packetLossPct} %` : null} testId="stat-loss" />
        <Stat label={t('sessions.stats.fps')} value={s?.fps !== undefined ? Math.round(s.fps) : null} testId="stat-fps" />
        <Stat label={t('sessions.stats.resolution')} value={s?.width ? `${s.width}×${s.height}` : null} testId="stat-resolution" />
        <Stat label={t('sessions.stats.freezes')} value={s ? `${s.freezeCount} (${(s.totalFreezesDurationMs / 1000).toFixed(1)} s)` : null} testId="stat-freezes" />
        <Stat label={t('sessions.stats.frames')} value={s?.framesDecoded ?? null} testId="stat-frames-decoded" />
        <Stat label={t('sessions.stats.transport')} value={s?.transport ? t(`sessions.stats.transports.${s.transport}`) : null} testId="stat-transport" />
      </SimpleGrid>
      {d ? (
        <Text size="xs" c="dimmed" mt={4} data-testid="device-stats">
          {t('sessions.stats.device', { width: d.width ?? '?', height: d.height ?? '?', fps: d.fps !== undefined ? Math.round(d.fps) : '?', kbps: d.bitrateKbps ?? '?' })}
          {d.qualityLimitation && d.qualityLimitation !== 'none' ? ` · ${t('sessions.stats.limited', { reason: t(`sessions.stats.limitation.${d.qualityLimitation}`, { defaultValue: d.qualityLimitation }) })}` : ''}
          {d.transport ? <span data-testid="device-transport" data-transport={d.transport}> · {t('sessions.stats.deviceTransport', { transport: t(`sessions.stats.transports.${d.transport}`) })}</span> : null}
        </Text>
      ) : null}
      {d?.rung ? (
        // the device's quality ladder: which rung and why (the same words the operator reads on the camera page)
        <Text size="sm" fw={600} mt={4} data-testid="device-rung" data-rung={d.rung} data-reason={d.rungReason ?? ''}>
          {t('sessions.quality.device', { rung: t(`camera.rung.${d.rung}`), reason: t(`camera.rungReason.${d.rungReason ?? 'start'}`, { value: d.rungValue ?? '' }) })}
        </Text>
      ) : null}
    </Card>
  );
}

/** Where a click on a video element (object-fit: contain) falls on its frame, 0..1, or null outside the picture. */
function framePoint(el: HTMLVideoElement, clientX: number, clientY: number): { x: number; y: number } | null {
  const r = el.getBoundingClientRect();
  if (!el.videoWidth || !el.videoHeight) return null;
  const f = containRect(r, { width: el.videoWidth, height: el.videoHeight });
  const x = (clientX - r.left - f.x) / f.width;
  const y = (clientY - r.top - f.y) / f.height;
  return x >= 0 && x <= 1 && y >= 0 && y <= 1 ? { x, y } : null;
}

/**
 * The console's digital zoom: each zoom the device could not apply (its camera has no zoom) magnifies the console's
 * picture by 1.5 (zoom out: back by 1.5), between 1× and 4×.
 */
export function digitalZoomOf(events: { kind: string; payload: Record<string, unknown> }[]): number {
  let z = 1;
  for (const e of events) {
    if (e.kind !== 'camera.result' || e.payload.ok !== false) continue;
    if (e.payload.action === 'zoom_in') z = Math.min(4, z * 1.5);
    else if (e.payload.action === 'zoom_out') z = Math.max(1, z / 1.5);
  }
  return Math.round(z * 100) / 100;
}

/** The live pointer as the device shows it, over the console's video, for 3 s. */
function LivePointer({ video, x, y }: { video: RefObject<HTMLVideoElement | null>; x: number; y: number }) {
  const [visible, setVisible] = useState(true);
  useEffect(() => {
    const timer = setTimeout(() => setVisible(false), 3000);
    return () => clearTimeout(timer);
  }, []);
  const el = video.current;
  if (!visible || !el || !el.videoWidth) return null;
  const f = containRect({ width: el.clientWidth, height: el.clientHeight }, { width: el.videoWidth, height: el.videoHeight });
  const left = f.x + x * f.width;
  const top = f.y + y * f.height;
  return <Box data-testid="live-pointer" data-x={x} data-y={y} pos="absolute" style={{ left: left - 16, top: top - 16, width: 32, height: 32, borderRadius: '50%', border: '4px solid #ffeb3b', boxShadow: '0 0 12px #ffeb3b', pointerEvents: 'none' }} />;
}

/**
 * The inspector's drawing where the device's AR tracker sees the marked spot now, over the console's live video (the
 * same homography the device draws with). Hidden while the device looks for the spot or has lost it.
 */
function AnchoredDrawing({ video, anchor, shapes }: { video: RefObject<HTMLVideoElement | null>; anchor: AnchorUpdate; shapes: Shape[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const el = video.current;
    if (!el || !canvas.current) return;
    const frame = { width: el.videoWidth, height: el.videoHeight };
    const mapped = anchor.H && frame.width ? mapShapes(shapes, anchor.H, frame) : [];
    drawShapes(canvas.current, mapped, { width: el.clientWidth, height: el.clientHeight }, frame.width ? frame : null);
    canvas.current.dataset.shapes = String(mapped.length);
  }, [video, anchor, shapes]);
  return <canvas ref={canvas} data-testid="anchored-drawing" data-state={anchor.state} data-reason={anchor.reason ?? ''}
    style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', pointerEvents: 'none' }} />;
}

/** The live part: large video, audio mute, reconnecting banner, freeze + draw, snapshot request, stats. */
function LivePane({ session }: { session: SessionDetail }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const live = useLiveSession(session.id, session.state !== 'ended', video);
  const guide = useGuidance(session.id);
  const [muted, setMuted] = useState(true);
  const [frozen, setFrozen] = useState<FrozenFrame | null>(null);
  useEffect(() => {
    if (video.current) video.current.muted = muted;
  }, [muted]);
  const conduct = session.can.conduct;
  const me = useMe();
  // an observer speaks while the inspector allows it (told live over the socket, else as the session detail says)
  const mayTalk = conduct || (live.mayTalk ?? session.viewers.some((v) => v.userId === me.id && v.mode === 'observe' && v.mayTalk));
  const observers = session.viewers.filter((v) => v.mode === 'observe' && v.userId !== me.id)
    .filter((v, i, all) => all.findIndex((o) => o.userId === v.userId) === i);
  // remote zoom on a camera that cannot zoom (the device answers so): the console magnifies the picture instead, by the
  // same steps, from the timeline, so every viewer sees the same; pointer clicks still land on the right spot of the frame
  const digitalZoom = digitalZoomOf(session.events);
  const reconnecting = live.publisher === 'reconnecting' || session.state === 'reconnecting';
  // once media has flowed: nothing presented for over a second, or the media connection is not up → not recording
  // the device's ladder may take the picture off the media path on purpose (photos + sound, sound only): not a fault
  const pictureOff = live.deviceStats?.rung === 'stills' || live.deviceStats?.rung === 'audio';
  const noMedia = session.state !== 'ended' && live.firstFrameMs !== null && !pictureOff && (live.mediaStalled || live.state !== 'connected' || live.publisher !== 'live');
  // the inspector's latest pin (timeline), null: automatic
  const pinEvent = [...session.events].reverse().find((e) => e.kind === 'quality.pinned');
  const pinned = (pinEvent?.payload.pin as string | null | undefined) ?? null;
  return (
    <Stack gap="xs">
      <Box pos="relative" bg="black" style={{ aspectRatio: '16 / 9', borderRadius: 6, overflow: 'hidden' }}>
        <Box data-testid="video-zoom" data-zoom={digitalZoom}
          style={{ position: 'absolute', inset: 0, transform: digitalZoom > 1 ? `scale(${digitalZoom})` : undefined, transformOrigin: '50% 50%' }}>
        <video ref={video} autoPlay playsInline muted data-testid="session-video"
          title={conduct ? t('sessions.live.pointHint') : undefined}
          onClick={conduct ? (e) => {
            const at = framePoint(e.currentTarget, e.clientX, e.clientY);
            if (at) guide.mutate({ kind: 'pointer', x: at.x, y: at.y, clientId: newClientId('ptr') });
          } : undefined}
          style={{ width: '100%', height: '100%', objectFit: 'contain', display: frozen ? 'none' : 'block', cursor: conduct ? 'crosshair' : undefined }} />
        {live.anchor && !frozen ? (() => {
          const d = session.events.find((e) => e.id === live.anchor!.drawingId && e.kind === 'drawing');
          return d ? <AnchoredDrawing video={video} anchor={live.anchor} shapes={(d.payload as { shapes?: Shape[] }).shapes ?? []} /> : null;
        })() : null}
        {live.anchor && !frozen ? <Badge pos="absolute" bottom={8} left={8} color={live.anchor.state === 'tracking' ? 'green' : 'yellow'} data-testid="anchor-state" data-state={live.anchor.state}>
          {t('sessions.anchor.label', { state: t(`sessions.anchor.${live.anchor.reason ?? live.anchor.state}`) })}</Badge> : null}
        {live.pointer && !frozen ? <LivePointer key={live.pointer.id} video={video} x={live.pointer.x} y={live.pointer.y} /> : null}
        {/* the numbers the media node reads from this video, where they are on the picture (kept, hidden, while frozen) */}
        <Box data-testid="live-readings" style={{ display: frozen ? 'none' : undefined }}>
          <LiveReadingOverlay video={video} readings={live.readings} />
        </Box>
        </Box>
        {digitalZoom > 1 && !frozen ? <Badge pos="absolute" bottom={8} right={8} color="gray" variant="filled" data-testid="digital-zoom">
          {t('sessions.live.digitalZoom', { zoom: digitalZoom.toFixed(1) })}</Badge> : null}
        {frozen ? null : (
          <Group pos="absolute" top={8} left={8} gap={6}>
            {live.recording && !noMedia ? <Badge color="red" data-testid="recording-on">{t('sessions.live.recording')}</Badge> : null}
            {noMedia ? <Badge color="gray" size="lg" variant="filled" data-testid="no-media">{t('sessions.live.noMedia')}</Badge> : null}
            {pictureOff && !reconnecting ? <Badge color="red" size="lg" variant="filled" data-testid="picture-off" data-rung={live.deviceStats?.rung}>{t(`camera.rung.${live.deviceStats?.rung}`)}</Badge> : null}
            {reconnecting ? <Badge color="orange" size="lg" data-testid="publisher-reconnecting">{t('sessions.live.reconnecting')}</Badge> : null}
            {live.publisher === 'absent' && session.state !== 'ended' ? <Badge color="gray" data-testid="publisher-absent">{t('sessions.live.waiting')}</Badge> : null}
          </Group>
        )}
      </Box>
      {frozen ? (
        <DrawPad frame={frozen} sending={guide.isPending} onCancel={() => setFrozen(null)}
          onSend={(shapes: Shape[]) => guide.mutate({ kind: 'drawing', frameJpeg: frozen.jpeg, frameWidth: frozen.width, frameHeight: frozen.height, shapes, clientId: newClientId('draw') }, { onSuccess: () => setFrozen(null) })} />
      ) : null}
      {live.talker ? <Badge color="teal" variant="dot" data-testid="talker" data-talker={live.talker}>{live.talker === 'me' ? t('sessions.live.youSpeak') : t('sessions.live.otherSpeaks')}</Badge> : null}
      {live.talkError ? <Alert color="orange" data-testid="talk-error" title={t('sessions.live.micFailed')}>{live.talkError}</Alert> : null}
      {live.denied ? <Alert color="red" data-testid="live-denied" title={t(`errors.${live.denied.code}`, { defaultValue: t('errors.generic') })}>{live.denied.message}</Alert> : null}
      <Group gap="xs">
        <Button size="sm" variant="default" onClick={() => setMuted((m) => !m)} data-testid="toggle-audio">{muted ? t('sessions.live.unmute') : t('sessions.live.mute')}</Button>
        {mayTalk ? (
          <>
            {/* the inspector's (or an allowed observer's) microphone to the device's speaker (recorded as the voice track) */}
            <Button size="sm" color={live.talking ? 'red' : 'blue'} variant={live.talking ? 'filled' : 'light'} disabled={!live.talk}
              onClick={() => void live.talk?.(!live.talking)} data-testid="talk-toggle" data-talking={live.talking ? '1' : '0'}>
              {live.talking ? t('sessions.live.talkStop') : t('sessions.live.talkStart')}
            </Button>
            {/* push-to-talk: the microphone is on while the button (or the space bar on it) is held down */}
            <Button size="sm" variant="default" disabled={!live.talk} data-testid="talk-hold"
              onPointerDown={(e) => { e.currentTarget.setPointerCapture(e.pointerId); void live.talk?.(true); }}
              onPointerUp={() => void live.talk?.(false)} onPointerCancel={() => void live.talk?.(false)}
              onKeyDown={(e) => { if (e.key === ' ' && !e.repeat) { e.preventDefault(); void live.talk?.(true); } }}
              onKeyUp={(e) => { if (e.key === ' ') { e.preventDefault(); void live.talk?.(false); } }}>
              {t('sessions.live.talkHold')}
            </Button>
          </>
        ) : null}
        {conduct ? (
          <>
            <Button size="sm" variant="light" data-testid="freeze-frame" disabled={!!frozen} onClick={() => video.current && setFrozen(freezeFrame(video.current))}>{t('sessions.live.freeze')}</Button>
            <Button size="sm" variant="light" data-testid="request-snapshot" onClick={() => guide.mutate({ kind: 'snapshot_request', clientId: newClientId('snapreq') })}>{t('sessions.live.requestSnapshot')}</Button>
            <Button size="sm" variant="subtle" onClick={() => guide.mutate({ kind: 'clear_drawing', clientId: newClientId('clear') })}>{t('sessions.live.clearDrawing')}</Button>
            {/* remote camera control: the device applies it where its camera can and says so; the result is on the timeline */}
            <Button.Group data-testid="camera-control">
              {(['zoom_in', 'zoom_out', 'torch_on', 'torch_off', 'switch'] as const).map((action) => (
                <Button key={action} size="sm" variant="default" data-testid={`camera-${action}`}
                  onClick={() => guide.mutate({ kind: 'camera', action, clientId: newClientId('cam') })}>{t(`sessions.live.camera.${action}`)}</Button>
              ))}
            </Button.Group>
            {/* the device's quality: automatic (the ladder), or pinned, e.g. "photos + sound" for full-resolution stills */}
            <Group gap={4} data-testid="quality-pin" data-pin={pinned ?? 'auto'}>
              <Text size="xs" c="dimmed">{t('sessions.quality.pin')}</Text>
              <Button.Group>
                {([null, '720p30', '360p30', '180p15', 'stills', 'audio'] as const).map((rung) => (
                  <Button key={rung ?? 'auto'} size="xs" variant={pinned === rung ? 'filled' : 'default'} data-testid={`pin-${rung ?? 'auto'}`}
                    onClick={() => guide.mutate({ kind: 'quality', pin: rung, clientId: newClientId('pin') })}>
                    {rung ? t(`camera.rung.${rung}`) : t('sessions.quality.auto')}
                  </Button>
                ))}
              </Button.Group>
            </Group>
          </>
        ) : null}
      </Group>
      {conduct && observers.length && live.transport ? (
        // the inspector lets an observer (a supervisor, a specialist) speak to the operator, and takes it back
        <Group gap="xs" data-testid="observer-voices">
          {observers.map((v) => (
            <Button key={v.userId} size="xs" variant={v.mayTalk ? 'filled' : 'default'} color={v.mayTalk ? 'teal' : undefined}
              data-testid="allow-talk" data-user={v.userId} data-allowed={v.mayTalk ? '1' : '0'}
              onClick={() => live.transport?.sendRaw({ type: 'allow-talk', userId: v.userId, allow: !v.mayTalk })}>
              {t(v.mayTalk ? 'sessions.live.talkWithdraw' : 'sessions.live.talkAllow', { name: v.name })}
            </Button>
          ))}
        </Group>
      ) : null}
      <ErrorAlert error={guide.error} />
      <StatsPanel live={live} />
    </Stack>
  );
}

/** The inspector console of one session (observers see it without the controls). */
export function SessionConsole({ id, backPath }: { id: string; backPath: string }) {
  const { t } = useTranslation();
  const q = useSession(id);
  const end = useEndSession(id);
  const issue = useIssueLink();
  const location = useLocation();
  const opened = location.state as { link?: DeviceLink; invite?: InviteResult | null } | null;
  const [link, setLink] = useState<DeviceLink | null>(opened?.link ?? null);
  if (q.isLoading) return <Loading />;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const s = q.data;
  const ended = s.state === 'ended';
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Group gap="xs">
          <Anchor component={Link} to={backPath} size="sm">{t('sessions.console.back')}</Anchor>
          <Title order={3} data-testid="session-title">{t('sessions.console.title', { orderNo: s.orderNo })}</Title>
          <SessionStateBadge state={s.state} />
        </Group>
        {s.can.end ? (
          <Button color="red" data-testid="end-session" loading={end.isPending} onClick={() => { if (window.confirm(t('sessions.console.confirmEnd'))) end.mutate(); }}>
            {t('sessions.console.end')}
          </Button>
        ) : null}
      </Group>
      <ErrorAlert error={end.error} />
      <Text size="sm" c="dimmed">{t('sessions.console.people', { inspector: s.inspectorName ?? '', operator: s.operatorName ?? '' })}</Text>
      <Grid gap="sm">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="sm">
            {ended ? (
              <Card withBorder>
                <Title order={4} mb="xs">{t('sessions.media.recordings')}</Title>
                <RecordingList recordings={s.recordings} />
              </Card>
            ) : <LivePane session={s} />}
            <Card withBorder>
              <Title order={4} mb="xs">{t('sessions.media.snapshots')}</Title>
              <SnapshotGallery snapshots={s.snapshots} />
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="sm">
            {!ended && (s.can.issueLink || s.can.invite) ? (
              <Card withBorder>
                <Group justify="space-between" mb="xs">
                  <Title order={5}>{t('sessions.link.title')}</Title>
                  {s.can.issueLink ? <Button size="xs" variant="light" loading={issue.isPending} data-testid="issue-link" onClick={() => issue.mutate(s.id, { onSuccess: setLink })}>{t('sessions.link.new')}</Button> : null}
                </Group>
                {s.can.invite ? <InvitePanel session={s} initial={opened?.invite ?? null} onDelivered={() => setLink(null)} /> : null}
                {link ? <DeviceLinkCard link={link} /> : <Text size="sm" c="dimmed" mt="xs">{s.device.connected ? t('sessions.link.deviceConnected') : t('sessions.link.none')}</Text>}
                <ErrorAlert error={issue.error} />
              </Card>
            ) : null}
            {!ended ? (
              <Card withBorder>
                <Title order={5} mb="xs">{t('sessions.console.watching')}</Title>
                <List size="sm" data-testid="viewers">
                  {s.viewers.map((v) => <List.Item key={`${v.userId}-${v.joinedAt}`} data-testid="viewer">{v.name} · {t(`roles.${v.role}`, { defaultValue: v.role })} · {t(`sessions.mode.${v.mode}`)}</List.Item>)}
                  <List.Item data-testid="device-presence">{t(s.device.connected ? 'sessions.console.deviceOn' : 'sessions.console.deviceOff')}</List.Item>
                </List>
              </Card>
            ) : null}
            <Card withBorder>
              <Title order={5} mb="xs">{t('sessions.checklist.title')}</Title>
              <ChecklistPanel sessionId={s.id} steps={s.steps} canConduct={s.can.conduct} />
            </Card>
            <Card withBorder>
              <Title order={5} mb="xs">{t('sessions.console.timeline')}</Title>
              <TimelinePanel sessionId={s.id} events={s.events} canConduct={s.can.conduct} canChat={!ended && s.can.observe} />
            </Card>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
