// The inspector's live channel: the authenticated /api/ws socket carries the media signalling for one session as
// `{type:'signal', sessionId, payload}` (the ViewerClient's transport), guidance acknowledgements, the device's
// send-side stats, refusals, and the server's invalidations (so the console refreshes when the device acts).
import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ViewerClient, type ConnectionState, type PublisherState, type SignallingTransport, type ViewerStats } from '@rvi/media/client';
import type { ClientToServer as MediaClientMessage, ServerToClient as MediaServerMessage } from '@rvi/media/client';
import type { AnchorUpdate } from '@rvi/contracts';
import { realtime } from '../../shared/realtime/index.ts';

export interface DeviceStats {
  bitrateKbps?: number;
  rttMs?: number;
  packetLossPct?: number;
  fps?: number;
  width?: number;
  height?: number;
  qualityLimitation?: string;
  transport?: string;
  /** the device's quality rung (issue 16) and why it is there */
  rung?: string;
  rungReason?: string;
  rungValue?: number;
}

export interface SignalTransport extends SignallingTransport {
  close(): void;
  onExtra(cb: (payload: { type: string; [k: string]: unknown }) => void): () => void;
  sendRaw(payload: unknown): void;
}

/**
 * The signalling of one session over the tab's WebSocket (shared/realtime): `{type:'signal', sessionId, payload}` both
 * ways; the viewer re-joins whenever the socket (re)opens. Invalidations are handled once, by useLiveUpdates.
 */
export function createSignalTransport(sessionId: string): SignalTransport {
  const media = new Set<(m: MediaServerMessage) => void>();
  const extras = new Set<(m: { type: string; [k: string]: unknown }) => void>();
  const MEDIA = new Set(['joined', 'offer', 'answer', 'publisher', 'recording', 'talker', 'error', 'bye']);
  const release = realtime.acquire();
  const offMessage = realtime.onMessage((m) => {
    if (m.type !== 'signal' || m.sessionId !== sessionId) return;
    const p = m.payload as { type: string; [k: string]: unknown };
    if (!p || typeof p.type !== 'string') return;
    if (MEDIA.has(p.type)) media.forEach((f) => f(p as unknown as MediaServerMessage));
    else extras.forEach((f) => f(p));
  });
  const sendRaw = (payload: unknown) => { realtime.send({ type: 'signal', sessionId, payload }); };
  return {
    send: (m: MediaClientMessage) => sendRaw(m),
    sendRaw,
    onMessage(cb) {
      media.add(cb);
      return () => media.delete(cb);
    },
    onOpen(cb) {
      return realtime.onOpen(cb);
    },
    onExtra(cb) {
      extras.add(cb);
      return () => extras.delete(cb);
    },
    get isOpen() {
      return realtime.isOpen;
    },
    close() {
      offMessage();
      release();
    },
  };
}

/**
 * A number the media node read from the live video (issue 17, `live.reading`): its kind, its value, whether it matches
 * the declaration (null: nothing declared to compare with) and its box in the frame as fractions [x0, y0, x1, y1].
 */
export interface LiveReadingMark {
  id: string;
  kind: 'container' | 'container_unverified' | 'seal';
  value: string;
  declared: boolean | null;
  box: [number, number, number, number] | null;
}

/** At most this many readings are shown over the video at once (the newest). */
export const MAX_READINGS = 3;

/** The overlay mark of a `live.reading` event, or null when its payload is not one. */
export function liveReadingOf(ev: { id: string; payload: Record<string, unknown> }): LiveReadingMark | null {
  const p = ev.payload;
  if (typeof p.value !== 'string' || !p.value) return null;
  const kind = p.kind === 'seal' || p.kind === 'container_unverified' ? p.kind : 'container';
  const declared = p.declared === true ? true : p.declared === false ? false : null;
  const b = p.box;
  const box = Array.isArray(b) && b.length === 4 && b.every((v) => typeof v === 'number' && Number.isFinite(v)) && b[2] > b[0] && b[3] > b[1]
    ? (b.map((v: number) => Math.min(1, Math.max(0, v))) as [number, number, number, number]) : null;
  return { id: ev.id, kind, value: p.value, declared, box };
}

export interface LiveView {
  state: ConnectionState;
  publisher: PublisherState;
  stats: ViewerStats | null;
  deviceStats: DeviceStats | null;
  recording: boolean;
  /** no frame presented for more than a second (the device, the network or the server is gone) */
  mediaStalled: boolean;
  denied: { code: string; message: string } | null;
  firstFrameMs: number | null;
  transport: SignalTransport | null;
  /** this viewer's microphone is on the talk channel */
  talking: boolean;
  /** who holds the talk channel: this viewer, someone else, or nobody */
  talker: 'me' | 'other' | null;
  /** opens (once) and sends the microphone, or stops sending it; null until joined */
  talk: ((on: boolean) => Promise<void>) | null;
  /** the microphone could not be opened (permission, no device) */
  talkError: string | null;
  /** the inspector allowed (true) or withdrew (false) this observer's voice during this connection; null: not told */
  mayTalk: boolean | null;
  /** the latest live pointer (frame coordinates 0..1), shown for a few seconds to every viewer */
  pointer: { id: string; x: number; y: number } | null;
  /** where the device's AR tracker sees the anchored drawing now */
  anchor: AnchorUpdate | null;
  /** the numbers read from the live video since this console joined, the newest last (at most MAX_READINGS) */
  readings: LiveReadingMark[];
}

/** Joins the session as viewer while `enabled`, plays it in `video`, and reports the live figures. */
export function useLiveSession(sessionId: string, enabled: boolean, video: React.RefObject<HTMLVideoElement | null>): LiveView {
  const qc = useQueryClient();
  const [view, setView] = useState<LiveView>({ state: 'idle', publisher: 'absent', stats: null, deviceStats: null, recording: false, mediaStalled: false, denied: null, firstFrameMs: null, transport: null, talking: false, talker: null, talk: null, talkError: null, mayTalk: null, pointer: null, anchor: null, readings: [] });
  const patch = useRef((p: Partial<LiveView>) => setView((v) => ({ ...v, ...p })));
  useEffect(() => {
    if (!enabled || !video.current) return;
    const set = patch.current;
    const transport = createSignalTransport(sessionId);
    const viewer = new ViewerClient({ transport, sessionId, videoElement: video.current, statsIntervalMs: 1000, reportStats: true });
    let talkAudio: HTMLAudioElement | undefined;
    const offs = [
      viewer.on('state', (e) => set({ state: e.state })),
      viewer.on('publisher', (p) => set({ publisher: p })),
      viewer.on('stats', (s) => set({ stats: s })),
      viewer.on('recording', (r) => set({ recording: r.state === 'on' })),
      viewer.on('firstFrame', (f) => set({ firstFrameMs: f.ms })),
      viewer.on('talking', (e) => set({ talking: e.on })),
      viewer.on('talker', (e) => set({ talker: e.peerId === null ? null : e.peerId === viewer.peerId ? 'me' : 'other' })),
      // another viewer's voice (the inspector, for an observer): played on its own element, never this viewer's own
      viewer.on('talk', (stream: MediaStream) => {
        talkAudio ??= Object.assign(document.createElement('audio'), { autoplay: true });
        talkAudio.dataset.testid = 'talk-audio';
        if (!talkAudio.isConnected) document.body.appendChild(talkAudio);
        talkAudio.srcObject = stream;
        void talkAudio.play().catch(() => undefined);
      }),
      transport.onExtra((m) => {
        if (m.type === 'device-stats') set({ deviceStats: m.stats as DeviceStats });
        else if (m.type === 'anchor') set({ anchor: m as unknown as AnchorUpdate });
        else if (m.type === 'denied') set({ denied: { code: String(m.code), message: String(m.message) } });
        else if (m.type === 'talk-permission') {
          if (m.allowed !== true) void viewer.stopTalking();
          set({ mayTalk: m.allowed === true });
        }
        else if (m.type === 'guide') {
          const ev = m.event as { id: string; kind: string; payload: { x?: number; y?: number } & Record<string, unknown> } | undefined;
          if (ev?.kind === 'pointer') set({ pointer: { id: ev.id, x: Number(ev.payload.x), y: Number(ev.payload.y) } });
          else {
            if (ev?.kind === 'drawing' || ev?.kind === 'drawing.cleared') set({ anchor: null }); // the device anchors the new one
            if (ev?.kind === 'live.reading') {
              // a number read from the stream: drawn over the video (the overlay), and on the timeline (the refresh below)
              const mark = liveReadingOf(ev);
              if (mark) setView((v) => ({ ...v, readings: [...v.readings.filter((r) => r.id !== mark.id), mark].slice(-MAX_READINGS) }));
            }
            void qc.invalidateQueries({ queryKey: ['sessions'] });
          }
        }
      }),
    ];
    const talk = async (on: boolean) => {
      if (!on) return viewer.stopTalking();
      try {
        await viewer.startTalking();
        set({ talkError: null });
      } catch (e) {
        set({ talkError: e instanceof Error ? e.message : String(e) });
      }
    };
    set({ transport, denied: null, talk });
    viewer.start();
    // frames presented by the video element: more than a second without one means no media is arriving, whatever
    // the connection states say (a killed server cannot say so, and ICE notices only after several seconds)
    const el = video.current as HTMLVideoElement & { requestVideoFrameCallback?(cb: () => void): number };
    let lastFrameAt = 0;
    let stalled = false;
    let alive = true;
    const onFrame = () => {
      lastFrameAt = performance.now();
      if (alive) el.requestVideoFrameCallback?.(onFrame);
    };
    el.requestVideoFrameCallback?.(onFrame);
    const watch = setInterval(() => {
      const s = lastFrameAt > 0 && performance.now() - lastFrameAt > 1000;
      if (s !== stalled) set({ mediaStalled: (stalled = s) });
    }, 250);
    return () => {
      alive = false;
      clearInterval(watch);
      offs.forEach((o) => o());
      viewer.stop();
      transport.close();
      talkAudio?.remove();
      set({ transport: null, state: 'closed', talk: null, talking: false, talker: null, mayTalk: null, readings: [] });
    };
  }, [sessionId, enabled, video, qc]);
  return view;
}
