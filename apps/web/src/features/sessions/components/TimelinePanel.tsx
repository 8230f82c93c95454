import { useState } from 'react';
import { Button, Group, ScrollArea, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { SessionEvent } from '@rvi/contracts';
import { currentLocale } from '../../../shared/i18n/index.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { newClientId, useGuidance } from '../api.ts';
import { formatTime } from '../format.ts';

const KNOWN = new Set([
  'state.requested', 'state.ringing', 'state.connected', 'state.reconnecting', 'state.ended', 'device_link.issued', 'device.link_opened', 'device.connected',
  'device.disconnected', 'viewer.joined', 'viewer.left', 'step.sent', 'step.done', 'step.added', 'instruction', 'snapshot.requested', 'snapshot.stored',
  'drawing', 'drawing.cleared', 'chat', 'stats', 'stats.summary', 'recording.opened', 'recording.segment', 'recording.gap', 'recording.resumed',
  'media.node_lost', 'pointer', 'camera.requested', 'camera.result', 'anchor.state', 'talker', 'talk.permission', 'network.transport',
  'quality.rung', 'quality.pinned', 'live.reading',
]);

/** One line of the timeline, in words. */
function describe(e: SessionEvent, t: (k: string, o?: Record<string, unknown>) => string, lang: string): string {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form JSON per event kind
  const p = e.payload as Record<string, any>;
  const who = e.actorName ?? t(`sessions.source.${e.source}`);
  const key = e.kind === 'talker' && !e.actorId ? 'sessions.event.talker_none'
    : e.kind === 'talk.permission' ? `sessions.event.talk_permission_${p.allowed ? 'on' : 'off'}`
      : `sessions.event.${e.kind.replace(/\./g, '_')}`;
  if (!KNOWN.has(e.kind)) return `${e.kind}`;
  return t(key, {
    who, text: p.text?.[lang] ?? p.text?.en ?? p.text ?? '', ordinal: p.ordinal ?? '', result: p.result ? t(`sessions.result.${p.result}`) : '',
    reason: p.reason ?? '', index: p.index ?? '', width: p.width ?? '', height: p.height ?? '', hash: String(p.sha256 ?? '').slice(0, 12),
    kbps: p.bitrateKbps ?? '?', fps: p.fps ?? '?', rtt: p.rttMs ?? '?', shapes: Array.isArray(p.shapes) ? p.shapes.length : 0,
    seconds: p.durationMs ? Math.round(p.durationMs / 1000) : 0,
    mb: p.videoBytes ? (p.videoBytes / 1e6).toFixed(1) : 0, connects: p.publisherConnects ?? 0, keyframes: p.keyframeRequests ?? 0,
    at: p.at || p.lostAt ? formatTime(String(p.lostAt ?? p.at)) : '', gap: p.gapMs !== undefined ? (p.gapMs / 1000).toFixed(1) : p.toMs !== undefined ? ((p.toMs - p.fromMs) / 1000).toFixed(1) : '',
    action: p.action ? t(`sessions.live.camera.${p.action}`, { defaultValue: p.action }) : '', outcome: p.ok === true ? t('sessions.live.camera.done') : p.ok === false ? `${t('sessions.live.camera.notDone')}${p.detail ? `: ${p.detail}` : ''}` : '',
    anchor: e.kind === 'anchor.state' ? t(`sessions.anchor.${p.reason ?? p.state}`) : '',
    rung: e.kind === 'quality.rung' || e.kind === 'quality.pinned' ? (p.rung ?? p.pin ? t(`camera.rung.${p.rung ?? p.pin}`) : t('sessions.quality.auto')) : '',
    rungReason: e.kind === 'quality.rung' ? t(`camera.rungReason.${p.reason ?? 'start'}`, { value: p.value ?? '' }) : '',
    value: p.value ?? '', verdict: e.kind === 'live.reading' ? (p.declared === true ? '✓' : p.declared === false ? '✗' : '?') : '',
    name: p.name ?? '', transport: p.transport ? t(`sessions.stats.transports.${p.transport}`) : '', frames: p.droppedFrames ?? 0, x: p.x !== undefined ? Math.round(p.x * 100) : '', y: p.y !== undefined ? Math.round(p.y * 100) : '',
  });
}

/** The session timeline (newest first) with chat and free-text instructions to the device. */
export function TimelinePanel({ sessionId, events, canConduct, canChat }: { sessionId: string; events: SessionEvent[]; canConduct: boolean; canChat: boolean }) {
  const { t } = useTranslation();
  const lang = currentLocale();
  const guide = useGuidance(sessionId);
  const [text, setText] = useState('');
  const send = (kind: 'instruction' | 'chat') => {
    const v = text.trim();
    if (!v) return;
    guide.mutate({ kind, text: v, clientId: newClientId(kind) }, { onSuccess: () => setText('') });
  };
  return (
    <Stack gap="xs">
      <ScrollArea h={260} type="auto" data-testid="timeline">
        <Stack gap={2}>
          {events.filter((e) => e.kind !== 'stats' && e.kind !== 'recording.opened').reverse().map((e) => (
            <Text key={e.id} size="xs" data-testid="timeline-event" data-kind={e.kind}>
              <Text span c="dimmed" size="xs">{formatTime(e.at)} </Text>{describe(e, t as never, lang)}
            </Text>
          ))}
        </Stack>
      </ScrollArea>
      {canChat ? (
        <Stack gap={4} component="form" onSubmit={(e) => { e.preventDefault(); send('chat'); }}>
          <TextInput size="xs" value={text} onChange={(e) => setText(e.currentTarget.value)} placeholder={t('sessions.message.placeholder')} maxLength={500} data-testid="message-input" />
          <Group gap="xs" justify="flex-end">
          {canConduct ? <Button size="xs" onClick={() => send('instruction')} data-testid="send-instruction">{t('sessions.message.instruction')}</Button> : null}
          <Button size="xs" variant="default" type="submit" data-testid="send-chat">{t('sessions.message.chat')}</Button>
          </Group>
        </Stack>
      ) : null}
      <ErrorAlert error={guide.error} />
    </Stack>
  );
}
