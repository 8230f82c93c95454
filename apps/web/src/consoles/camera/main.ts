// The on-site camera page (phone or AR glasses): a separate, framework-free entry (camera.html) because phones and
// glasses are the weakest clients. Opens the single-use link (#t=TOKEN), publishes camera + microphone to the media
// node, shows the inspector's guidance (current step or instruction, drawings over the frozen frame, chat) and
// answers snapshot requests with a full-resolution still, uploaded until the server acknowledges it.
import './camera.css';
import {
  captureStill, createWebSocketTransport, isRung, PublisherClient, RUNG_SPECS, SAVE_DATA_CAP, StillQueue, type PublisherStats, type QueuedStill, type Rung, type UploadOutcome,
} from '@rvi/media/client';
import type { DeviceState, RedeemResult, SessionEvent } from '@rvi/contracts';
import { camera as enStrings } from '../../shared/i18n/locales/en.json';
import { camera as zhStrings } from '../../shared/i18n/locales/zh-CN.json';
import { containRect, drawShapes, type Shape } from '../../features/sessions/draw.ts';
import { AnchorView, type AnchorUpdate } from './anchor.ts';

type Strings = typeof enStrings;
type Lang = 'en' | 'zh-CN';
const STORE = 'rvi.device';

let lang: Lang = (localStorage.getItem('rvi.locale') ?? navigator.language).toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
const s = (): Strings => (lang === 'zh-CN' ? zhStrings : enStrings);
const fill = (text: string, vars: Record<string, string | number> = {}) => text.replace(/{{(\w+)}}/g, (_, k) => String(vars[k] ?? ''));
const root = document.getElementById('camera-root')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A full-page message (refused link, ended session, no camera). */
function page(kind: 'refused' | 'ended' | 'info', title: string, body: string, testId: string): void {
  root.replaceChildren();
  const p = el('div', { class: `page ${kind}`, 'data-testid': testId });
  p.append(el('h1', {}, title), el('p', {}, body));
  root.append(p);
  document.title = title;
}

function refuse(code: string): void {
  const r = s().refused;
  const known = ['token_used', 'token_expired', 'token_revoked', 'token_unknown', 'session_ended', 'no_link', 'network'] as const;
  const c = (known as readonly string[]).includes(code) ? (code as (typeof known)[number]) : 'token_unknown';
  page(c === 'session_ended' ? 'ended' : 'refused', r.title, r[c], 'camera-refused');
  document.body.dataset.refused = c;
}

interface Joined {
  sessionId: string;
  deviceKey: string;
  orderNo: string;
}

async function postJson<T>(url: string, body: unknown): Promise<{ ok: true; data: T } | { ok: false; code: string }> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const data = await res.json().catch(() => null);
    if (res.ok) return { ok: true, data: data as T };
    return { ok: false, code: data?.error?.code ?? `http_${res.status}` };
  } catch {
    return { ok: false, code: 'network' };
  }
}

/** Opens the link: the token leaves the address bar at once; a reload reuses the device key of this tab. */
async function join(): Promise<Joined | null> {
  const hash = new URLSearchParams(location.hash.slice(1));
  const token = hash.get('t');
  if (token) {
    history.replaceState(null, '', location.pathname + location.search);
    const r = await postJson<RedeemResult>('/api/device/redeem', { token });
    if (!r.ok) {
      refuse(r.code);
      return null;
    }
    const j = { sessionId: r.data.sessionId, deviceKey: r.data.deviceKey, orderNo: r.data.orderNo };
    sessionStorage.setItem(STORE, JSON.stringify(j));
    return j;
  }
  const saved = sessionStorage.getItem(STORE);
  if (!saved) {
    refuse('no_link');
    return null;
  }
  return JSON.parse(saved) as Joined;
}

function randomId(prefix: string): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return `${prefix}-${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

// ------------------------------------------------------------------------------------------------ live page

async function start(j: Joined): Promise<void> {
  const auth = { 'x-device-key': j.deviceKey };
  const st = await fetch('/api/device/state', { headers: auth }).then(async (r) => (r.ok ? ((await r.json()) as DeviceState) : { error: (await r.json().catch(() => null))?.error?.code ?? 'network' }))
    .catch(() => ({ error: 'network' }));
  if ('error' in st) {
    if (st.error !== 'network') sessionStorage.removeItem(STORE);
    refuse(st.error);
    return;
  }

  root.replaceChildren();
  const bar = el('div', { class: 'bar' });
  const title = el('span', { class: 'title', 'data-testid': 'camera-title' });
  const net = el('span', { class: 'pill net-connecting', 'data-testid': 'camera-network', role: 'status' });
  const rec = el('span', { class: 'pill rec-off', 'data-testid': 'camera-recording' });
  // who is speaking to the operator (the inspector's voice plays on the device's speaker)
  const talker = el('span', { class: 'pill talker', 'data-testid': 'camera-talker', hidden: '', role: 'status' });
  // who is watching (by role, never by name) and the notice that the session is recorded as evidence
  const watchers = el('span', { class: 'pill watchers', 'data-testid': 'camera-watchers', role: 'status' });
  // the AR anchor of the inspector's drawing: looking for the marked spot, following it, out of view
  const anchorPill = el('span', { class: 'pill anchor', 'data-testid': 'camera-anchor', hidden: '', role: 'status' });
  // the quality ladder's rung and why (issue 16): HD … photos + sound … sound only
  const rungPill = el('span', { class: 'pill rung', 'data-testid': 'camera-rung', role: 'status' });
  const stillsPill = el('span', { class: 'pill stills', 'data-testid': 'camera-stills-pending', hidden: '' });
  bar.append(title, net, rungPill, rec, talker, watchers, anchorPill, stillsPill);
  const notice = el('div', { class: 'notice', 'data-testid': 'camera-recorded-notice' });
  const voice = el('audio', { autoplay: '', 'data-testid': 'camera-voice' });

  const stage = el('div', { class: 'stage' });
  const video = el('video', { playsinline: '', muted: '', autoplay: '' });
  video.muted = true;
  const instruction = el('div', { class: 'instruction', 'data-testid': 'camera-instruction', hidden: '' });
  const frozenWrap = el('div', { class: 'frozen-wrap', 'data-testid': 'camera-drawing', hidden: '' });
  const frozen = el('img', { class: 'frozen', alt: '' });
  const overlay = el('canvas');
  frozenWrap.append(frozen, overlay);
  const toast = el('div', { class: 'toast', 'data-testid': 'camera-toast', hidden: '', role: 'status' });
  // the inspector's live pointer: a bright ring at the spot of the frame they clicked, fading after 3 s
  const pointer = el('div', { class: 'pointer', 'data-testid': 'camera-pointer', hidden: '', 'aria-hidden': 'true' });
  // the drawing redrawn over the live preview where the tracker finds the marked spot
  const anchorOverlay = el('canvas', { class: 'anchor-overlay', 'data-testid': 'camera-anchor-overlay' });
  stage.append(video, anchorOverlay, frozenWrap, toast, pointer);
  let pointerTimer: ReturnType<typeof setTimeout> | undefined;
  const showPointer = (x: number, y: number) => {
    // frame coordinates → the displayed video (object-fit: contain letterboxes it inside the stage)
    const f = containRect(video.getBoundingClientRect(), { width: video.videoWidth, height: video.videoHeight });
    pointer.style.left = `${f.x + x * f.width}px`;
    pointer.style.top = `${f.y + y * f.height}px`;
    pointer.dataset.x = String(x);
    pointer.dataset.y = String(y);
    pointer.dataset.shownAt = String(performance.timeOrigin + performance.now());
    pointer.hidden = false;
    pointer.classList.remove('fade');
    void pointer.offsetWidth; // restart the animation
    pointer.classList.add('fade');
    clearTimeout(pointerTimer);
    pointerTimer = setTimeout(() => { pointer.hidden = true; }, 3000);
  };

  const chat = el('div', { class: 'chat', hidden: '' });
  const chatList = el('ol', { 'data-testid': 'camera-chat' });
  const chatForm = el('form');
  const chatInput = el('input', { 'data-testid': 'camera-chat-input', autocomplete: 'off', maxlength: '1000' });
  const chatSend = el('button', { type: 'submit', 'data-testid': 'camera-chat-send' });
  chatForm.append(chatInput, chatSend);
  chat.append(chatList, chatForm);

  const buttons = el('div', { class: 'buttons' });
  const btn = (testId: string) => {
    const b = el('button', { type: 'button', 'data-testid': testId });
    buttons.append(b);
    return b;
  };
  const bSwitch = btn('camera-switch');
  const bTorch = btn('camera-torch');
  const bMute = btn('camera-mute');
  const bPhoto = btn('camera-photo');
  const bHide = btn('camera-hide-drawing');
  const bChat = btn('camera-chat-toggle');
  const bLang = btn('camera-language');
  const bGlasses = btn('camera-glasses');
  // the current step sits above the preview, never over it (phone) or beside it (glasses)
  const side = el('div', { class: 'side' });
  side.append(instruction);
  root.append(bar, notice, side, stage, chat, buttons);

  // ---------------------------------------------------------------- glasses mode (head-mounted, e.g. 854×480 landscape)
  // Preview unobstructed, the step in large text beside it, short button labels, steps read aloud in the page's
  // language, and voice commands where the browser offers speech recognition (else the glasses' own "say the label"
  // works: every control has a visible text label). ?glasses=1 in the link or the Glasses button; remembered.
  let glasses = new URLSearchParams(location.search).get('glasses') === '1';
  try { glasses ||= localStorage.getItem('rvi.glasses') === '1'; } catch { /* private mode */ }
  const speak = (text: string) => {
    if (!glasses || !text) return;
    document.body.dataset.spoken = text;
    try {
      speechSynthesis.cancel();
      const u = new SpeechSynthesisUtterance(text);
      u.lang = lang === 'zh-CN' ? 'zh-CN' : 'en-US';
      speechSynthesis.speak(u);
    } catch {
      /* no speech synthesis: the step is on screen in large text */
    }
  };
  type Recognition = { lang: string; continuous: boolean; interimResults: boolean; start(): void; stop(): void; onresult: ((e: { results: ArrayLike<ArrayLike<{ transcript: string }>>; resultIndex: number }) => void) | null; onerror: ((e: { error: string }) => void) | null; onend: (() => void) | null };
  let recognition: Recognition | null = null;
  const voiceCommands = () => {
    const Ctor = (window as unknown as { SpeechRecognition?: new () => Recognition; webkitSpeechRecognition?: new () => Recognition }).SpeechRecognition
      ?? (window as unknown as { webkitSpeechRecognition?: new () => Recognition }).webkitSpeechRecognition;
    recognition?.stop();
    recognition = null;
    if (!glasses || !Ctor) {
      document.body.dataset.voiceCommands = glasses ? 'unavailable' : 'off';
      return;
    }
    const r = new Ctor();
    r.lang = lang === 'zh-CN' ? 'zh-CN' : 'en-US';
    r.continuous = true;
    r.interimResults = false;
    // a spoken button label presses that button ("take photo", "拍照")
    r.onresult = (e) => {
      const said = e.results[e.results.length - 1][0].transcript.trim().toLowerCase();
      const hit = [...buttons.querySelectorAll('button')].find((b) => !b.disabled && said.includes((b.textContent ?? '').trim().toLowerCase()));
      hit?.click();
    };
    r.onerror = (e) => { document.body.dataset.voiceCommands = `error:${e.error}`; };
    r.onend = () => { if (recognition === r && glasses) setTimeout(() => { try { r.start(); } catch { /* already running */ } }, 1000); };
    recognition = r;
    try {
      r.start();
      document.body.dataset.voiceCommands = 'on';
    } catch {
      document.body.dataset.voiceCommands = 'unavailable';
    }
  };

  // ---------------------------------------------------------------- state shown on the page
  let netLevel: PublisherStats['level'] | 'connecting' = 'connecting';
  let lastPong = Date.now();
  let connState = 'connecting';
  let recording = false;
  let speaking = false;
  /** who speaks: the inspector, or an observer the inspector allowed (by role, never by name) */
  let speaker: 'inspector' | 'observer' = 'inspector';
  let viewers: { role: string; mode: string }[] = [];
  // a short two-tone chime when someone starts watching (Web Audio: no file to load)
  let audioCtx: AudioContext | undefined;
  const chime = () => {
    try {
      audioCtx ??= new AudioContext();
      const t0 = audioCtx.currentTime;
      for (const [i, f] of [660, 880].entries()) {
        const o = audioCtx.createOscillator();
        const g = audioCtx.createGain();
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, t0 + i * 0.15);
        g.gain.exponentialRampToValueAtTime(0.3, t0 + i * 0.15 + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.15 + 0.14);
        o.connect(g).connect(audioCtx.destination);
        o.start(t0 + i * 0.15);
        o.stop(t0 + i * 0.15 + 0.15);
      }
      document.body.dataset.chimes = String(Number(document.body.dataset.chimes ?? 0) + 1);
    } catch {
      /* no audio output: the pill still says who watches */
    }
  };
  let muted = false;
  let torch = false;
  /** the inspector's pinned rung (quality.pinned), null: automatic */
  let pin: Rung | null = null;
  let stillsPending = 0;
  let current: { kind: 'step' | 'instruction'; text: string; ordinal?: number } | null = null;
  let drawing: { id: string; frame: string | null; shapes: Shape[] } | null = null;
  const chatItems: { id: string; mine: boolean; who: string; text: string }[] = [];
  const seen = new Set<string>();

  const render = () => {
    const t = s();
    document.documentElement.lang = lang;
    title.textContent = fill(t.title, { orderNo: j.orderNo });
    // no answer to our heartbeat for 5 s: the network is gone even if the media connection has not noticed yet
    const silent = connState === 'connected' && Date.now() - lastPong > 5000;
    const lvl = silent ? 'down' : connState === 'connected' ? netLevel : connState === 'reconnecting' || connState === 'failed' ? 'down' : 'connecting';
    net.className = `pill net-${lvl}`;
    net.dataset.level = lvl;
    net.textContent = connState === 'reconnecting' ? t.net.reconnecting : t.net[lvl];
    // "● REC" only while the server demonstrably records: media connected and the server answering (a killed server
    // cannot say "recording off"); the server tells "on" again when a segment opens after it is back
    const recOn = recording && connState === 'connected' && Date.now() - lastPong < 2500;
    rec.className = `pill ${recOn ? 'rec-on' : 'rec-off'}`;
    rec.textContent = recOn ? t.recordingOn : t.recordingOff;
    talker.hidden = !speaking;
    talker.textContent = speaker === 'observer' ? t.observerSpeaking : t.inspectorSpeaking;
    const inspectors = viewers.filter((v) => v.mode === 'conduct').length;
    const observers = viewers.length - inspectors;
    watchers.dataset.count = String(viewers.length);
    watchers.textContent = viewers.length === 0 ? t.watchers.none
      : [inspectors ? t.watchers.inspector : '', observers ? fill(t.watchers.observers, { n: observers }) : ''].filter(Boolean).join(' + ');
    watchers.title = viewers.map((v) => `${v.mode === 'conduct' ? t.inspector : t.watchers.observer} (${v.role})`).join(', ');
    notice.textContent = t.recordedNotice;
    const r = pub.rung;
    if (r) {
      rungPill.dataset.rung = r.rung;
      rungPill.dataset.reason = r.reason.code;
      rungPill.className = `pill rung rung-${r.rung}`;
      rungPill.textContent = `${t.rung[r.rung]} · ${fill(t.rungReason[r.reason.code], { value: r.reason.value ?? '' })}`;
      rungPill.title = r.rung === 'stills' ? t.stillsMode : '';
    }
    stillsPill.hidden = stillsPending === 0;
    stillsPill.dataset.count = String(stillsPending);
    stillsPill.textContent = fill(t.stillsPending, { n: stillsPending });
    bSwitch.textContent = t.buttons.switchCamera;
    bTorch.textContent = torch ? t.buttons.torchOff : t.buttons.torchOn;
    bTorch.disabled = !pub.torchSupported();
    bMute.textContent = muted ? t.buttons.unmute : t.buttons.mute;
    bMute.setAttribute('aria-pressed', String(muted));
    bPhoto.textContent = t.buttons.takePhoto;
    bHide.textContent = drawing && !frozenWrap.hidden ? t.buttons.hideDrawing : t.buttons.showDrawing;
    bHide.disabled = !drawing;
    bChat.textContent = chat.hidden ? t.buttons.openChat : t.buttons.closeChat;
    bLang.textContent = lang === 'en' ? '中文' : 'English';
    bGlasses.textContent = glasses ? t.buttons.phoneMode : t.buttons.glassesMode;
    document.body.classList.toggle('glasses', glasses);
    chatSend.textContent = t.buttons.send;
    chatInput.placeholder = t.chatPlaceholder;
    if (current) {
      instruction.hidden = false;
      instruction.replaceChildren(
        el('small', {}, current.kind === 'step' ? fill(t.step, { n: current.ordinal ?? '' }) : t.instruction),
        document.createTextNode(current.text),
      );
    } else instruction.hidden = true;
    chatList.replaceChildren(...chatItems.map((c) => el('li', { class: c.mine ? 'me' : '' }, `${c.mine ? t.me : c.who}: ${c.text}`)));
    chatList.scrollTop = chatList.scrollHeight;
  };
  let toastTimer: ReturnType<typeof setTimeout> | undefined;
  const say = (text: string, ms = 4000) => {
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toast.hidden = true), ms);
  };

  const showDrawing = () => {
    if (!drawing) return;
    frozenWrap.hidden = false;
    frozenWrap.dataset.shapes = String(drawing.shapes.length);
    const paint = () => {
      const box = frozenWrap.getBoundingClientRect();
      drawShapes(overlay, drawing!.shapes, { width: box.width, height: box.height }, frozen.naturalWidth ? { width: frozen.naturalWidth, height: frozen.naturalHeight } : null);
    };
    if (drawing.frame) {
      frozen.onload = paint;
      frozen.src = drawing.frame;
    } else paint();
    paint();
  };

  // ---------------------------------------------------------------- AR anchoring of the drawing
  // Once the tracker follows the marked spot on the live preview, the frozen frame shrinks to a corner (still there to
  // compare); every update goes to the console (at most 10 a second, state changes at once).
  let anchorSentAt = 0;
  let anchorSentState = '';
  const anchor = new AnchorView(video, anchorOverlay, (u: AnchorUpdate) => {
    const t = s();
    anchorPill.hidden = false;
    const key = u.state === 'lost' ? u.reason ?? 'lost' : u.state;
    anchorPill.dataset.state = u.state;
    anchorPill.dataset.reason = u.reason ?? '';
    anchorPill.className = `pill anchor anchor-${u.state}`;
    anchorPill.textContent = t.anchor[key as keyof Strings['anchor']] ?? t.anchor.lost;
    if (u.state === 'tracking' && !frozenWrap.classList.contains('pip')) {
      frozenWrap.classList.add('pip');
      if (!frozenWrap.hidden) showDrawing(); // repaint the frozen frame's drawing at its corner size
    }
    document.body.dataset.anchorMs = u.ms.toFixed(1);
    const changed = `${u.drawingId}:${key}` !== anchorSentState;
    if (changed || Date.now() - anchorSentAt >= 100) {
      anchorSentAt = Date.now();
      anchorSentState = `${u.drawingId}:${key}`;
      (transport as unknown as { send(m: unknown): void }).send({ type: 'anchor', drawingId: u.drawingId, state: u.state, reason: u.reason, H: u.H, at: u.at });
    }
  });
  const anchorDrawing = () => {
    frozenWrap.classList.remove('pip');
    if (!drawing?.frame) return anchor.stop();
    void anchor.start(drawing.id, drawing.frame, drawing.shapes).catch((err) => { document.body.dataset.anchorError = (err as Error).message; });
  };

  // ---------------------------------------------------------------- guidance
  const apply = (e: SessionEvent, live: boolean) => {
    if (seen.has(e.id)) return;
    seen.add(e.id);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form JSON per event kind
    const p = e.payload as Record<string, any>;
    switch (e.kind) {
      case 'step.sent':
        current = { kind: 'step', text: p.text?.[lang] ?? p.text?.en ?? '', ordinal: p.ordinal };
        if (live) say(s().newStep);
        if (live) speak(`${fill(s().step, { n: p.ordinal })}. ${current.text}`);
        break;
      case 'instruction':
        current = { kind: 'instruction', text: String(p.text ?? '') };
        if (live) say(s().newInstruction);
        if (live) speak(current.text);
        break;
      case 'drawing':
        drawing = { id: e.id, frame: p.frameJpeg && p.frameJpeg !== '(omitted)' ? p.frameJpeg : null, shapes: p.shapes ?? [] };
        if (live) {
          showDrawing();
          anchorDrawing();
        }
        break;
      case 'pointer':
        if (live) showPointer(Number(p.x), Number(p.y));
        return;
      case 'camera.requested':
        if (live) void remoteControl(e.id, String(p.action));
        return;
      case 'drawing.cleared':
        drawing = null;
        frozenWrap.hidden = true;
        anchor.stop();
        anchorPill.hidden = true;
        break;
      case 'chat':
        chatItems.push({ id: e.id, mine: e.source === 'device', who: e.actorName ?? s().inspector, text: String(p.text ?? '') });
        if (live && e.source !== 'device') {
          chat.hidden = false;
          say(s().newMessage);
        }
        break;
      case 'snapshot.requested':
        if (live) void takePhoto(e.id);
        break;
      case 'quality.pinned':
        // the inspector's pin; replayed history (a reload) only sets it: the latest pin is applied once afterwards
        pin = isRung(p.pin) ? p.pin : null;
        if (live) pub.setPin(pin);
        break;
      case 'state.ended':
        ended(String(p.reason ?? ''));
        return;
    }
    render();
  };

  // ---------------------------------------------------------------- media
  // The key travels as a WebSocket subprotocol (DEVICE_KEY_PROTOCOL_PREFIX in contracts), never in the URL: browsers
  // cannot set headers on a WebSocket, and URLs end up in access logs.
  const transport = createWebSocketTransport(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/device/ws`, {
    protocols: ['rvi-device', `rvi-device-key.${j.deviceKey}`],
  });
  const pub = new PublisherClient({ transport, sessionId: j.sessionId, ladder: { pin } });
  let stopped = false;
  const ended = (reason: string) => {
    if (stopped) return;
    stopped = true;
    pub.stop();
    anchor.stop();
    clearInterval(stillsTimer);
    transport.close();
    sessionStorage.removeItem(STORE);
    page('ended', s().ended.title, reason ? fill(s().ended.bodyReason, { reason }) : s().ended.body, 'camera-ended');
  };
  transport.onMessage((raw) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form JSON per event kind
    const m = raw as unknown as { type: string; [k: string]: any };
    if (m.type === 'guide') apply(m.event as SessionEvent, true);
    else if (m.type === 'presence') {
      const next: { role: string; mode: string }[] = Array.isArray(m.viewers) ? m.viewers : [];
      if (next.length > viewers.length) chime();
      viewers = next;
      render();
    } else if (m.type === 'recording') {
      recording = m.state === 'on';
      render();
    } else if (m.type === 'pong') lastPong = Date.now();
    else if (m.type === 'ended') ended(String(m.reason ?? ''));
    else if (m.type === 'refused') {
      stopped = true;
      pub.stop();
      transport.close();
      sessionStorage.removeItem(STORE);
      refuse(String(m.code));
    }
  });
  // after a reconnect of the socket, pick up guidance sent meanwhile
  transport.onOpen?.(() => {
    void fetch('/api/device/state', { headers: auth }).then((r) => (r.ok ? r.json() : null)).then((x: DeviceState | null) => {
      if (!x) return;
      // snapshot requests sent while the socket was down are answered now (unless a photo already answered them)
      const answered = new Set(x.guidance.filter((e) => e.kind === 'snapshot.stored').map((e) => (e.payload as { requestId?: string }).requestId));
      const missed = x.guidance.filter((e) => e.kind === 'snapshot.requested' && !seen.has(e.id) && !answered.has(e.id));
      const pinBefore = pin;
      x.guidance.forEach((e) => apply(e, false));
      if (pin !== pinBefore) pub.setPin(pin); // pinned or released while the socket was down
      render();
      missed.forEach((e) => void takePhoto(e.id));
    }).catch(() => undefined);
  });
  pub.on('state', (e) => {
    connState = e.state;
    render();
  });
  pub.on('quality', (q) => {
    netLevel = q.level;
    net.title = `${q.bitrateKbps} kbit/s ${q.width ?? '?'}×${q.height ?? '?'} ${q.fps ?? '?'} fps, ${q.rttMs ?? '?'} ms, ${q.packetLossPct ?? '?'} %`;
    if (q.rttMs !== undefined) document.body.dataset.rttMs = String(q.rttMs);
    render();
  });
  // the stills rung: a full-resolution photo every few seconds while the picture is off the media path
  let stillsTimer: ReturnType<typeof setInterval> | undefined;
  const followRung = (rung: Rung) => {
    clearInterval(stillsTimer);
    stillsTimer = undefined;
    const every = RUNG_SPECS[rung].stillEveryMs;
    if (!every || stopped) return;
    void takePhoto(undefined, rung);
    stillsTimer = setInterval(() => (stopped ? clearInterval(stillsTimer) : void takePhoto(undefined, rung, true)), every);
  };
  pub.on('rung', (e) => {
    document.body.dataset.rung = e.rung;
    if (e.rung !== e.previous.rung) followRung(e.rung);
    render();
  });
  pub.on('stream', (stream) => {
    video.srcObject = stream;
  });
  // The inspector's voice: the node sends it on the device's audio m-line. The operator started the camera with a tap,
  // so playback with sound is allowed (Chrome for Android and iOS Safari need that user gesture first).
  pub.on('talk', (stream: MediaStream) => {
    voice.srcObject = stream;
    if (!voice.isConnected) stage.append(voice);
    void voice.play().catch(() => undefined);
  });
  pub.on('message', (m: { type: string; peerId?: string | null; speaker?: string | null }) => {
    if (m.type !== 'talker') return;
    speaking = !!m.peerId;
    speaker = m.speaker === 'observer' ? 'observer' : 'inspector';
    render();
  });

  // ---------------------------------------------------------------- snapshots: captured at full resolution, uploaded until acknowledged
  // Every still (requested, taken by the operator, or by the stills mode) is hashed and kept in IndexedDB before it is
  // sent, and leaves the queue when the server has it: a drop, a closed tab or a reload loses none (issue 16.2).
  const upload = async (still: QueuedStill): Promise<UploadOutcome> => {
    const q = new URLSearchParams({
      clientId: still.clientId, width: String(still.width), height: String(still.height), takenAt: still.takenAt,
      method: still.method, sha256: still.sha256, ...(still.requestId ? { requestId: still.requestId } : {}), ...(still.rung ? { rung: still.rung } : {}),
    });
    let res: Response;
    try {
      res = await fetch(`/api/device/snapshots?${q}`, { method: 'POST', headers: { ...auth, 'content-type': still.blob.type || 'image/jpeg' }, body: still.blob });
    } catch {
      if (!still.rung || still.requestId) say(s().photoRetrying, 3000);
      return 'retry';
    }
    if (res.ok) {
      const r = await res.json();
      document.body.dataset.lastSnapshot = JSON.stringify({ id: r.id, sha256: r.sha256, width: r.width, height: r.height, rung: still.rung ?? null });
      document.body.dataset.stillsStored = String(Number(document.body.dataset.stillsStored ?? 0) + 1);
      if (!still.rung || still.requestId || still.rung !== 'stills') say(fill(s().photoSent, { width: r.width, height: r.height, hash: String(r.sha256).slice(0, 12) }));
      return 'done';
    }
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      say(fill(s().photoFailed, { reason: (await res.json().catch(() => null))?.error?.message ?? res.status }));
      return 'drop';
    }
    return 'retry';
  };
  const stills = new StillQueue({
    sessionId: j.sessionId, upload,
    onPending: (n) => {
      stillsPending = n;
      render();
    },
  });
  window.addEventListener('online', () => stills.kick());
  /** quiet: the stills mode's own photos do not toast every time */
  const takePhoto = async (requestId?: string, rung?: Rung, quiet = false) => {
    const track = pub.videoTrack;
    if (!track) return;
    if (!quiet) say(s().photoTaking, 10_000);
    let still;
    try {
      still = await captureStill(track);
    } catch (err) {
      say(fill(s().photoFailed, { reason: (err as Error).message }));
      return;
    }
    await stills.add({
      clientId: randomId('snap'), blob: still.blob, sha256: still.sha256, width: still.width, height: still.height, takenAt: new Date().toISOString(),
      method: still.method, ...(requestId ? { requestId } : {}), ...(rung ?? pub.rung?.rung ? { rung: rung ?? pub.rung!.rung } : {}),
    });
  };

  // ---------------------------------------------------------------- remote camera control (from the inspector's console)
  // Applied where this camera can (torch and zoom are track capabilities: Android Chrome rear cameras mostly have
  // them); the operator is told what was changed and by whom; the result goes back to the timeline.
  const remoteControl = async (requestId: string, action: string) => {
    const t = s();
    const who = t.inspector; // by role: the operator is told the inspector did it (customs staff names stay with customs)
    const reply = (ok: boolean, detail: string | null, zoom: number | null = null) =>
      (transport as unknown as { send(m: unknown): void }).send({ type: 'camera-result', requestId, action, ok, detail, zoom });
    const track = pub.videoTrack;
    try {
      if (action === 'switch') {
        await pub.switchCamera();
        say(fill(t.remote.switched, { who }));
        return reply(true, null);
      }
      if (action === 'torch_on' || action === 'torch_off') {
        const on = action === 'torch_on';
        if (!(await pub.setTorch(on))) {
          say(fill(t.remote.noTorch, { who }));
          return reply(false, 'this camera has no torch');
        }
        torch = on;
        render();
        say(fill(on ? t.remote.torchOn : t.remote.torchOff, { who }));
        return reply(true, null);
      }
      if (action === 'zoom_in' || action === 'zoom_out') {
        const caps = (track?.getCapabilities?.() ?? {}) as MediaTrackCapabilities & { zoom?: { min: number; max: number; step?: number } };
        if (!track || !caps.zoom) {
          say(fill(t.remote.noZoom, { who }));
          return reply(false, 'this camera cannot zoom');
        }
        const cur = Number((track.getSettings() as MediaTrackSettings & { zoom?: number }).zoom ?? caps.zoom.min);
        const stepped = Math.max(caps.zoom.step ?? 0.1, (caps.zoom.max - caps.zoom.min) / 8);
        const next = Math.min(caps.zoom.max, Math.max(caps.zoom.min, cur + (action === 'zoom_in' ? stepped : -stepped)));
        await track.applyConstraints({ advanced: [{ zoom: next } as MediaTrackConstraintSet] });
        say(fill(t.remote.zoomed, { who, zoom: next.toFixed(1) }));
        return reply(true, null, next);
      }
      reply(false, `unknown action ${action}`);
    } catch (err) {
      say((err as Error).message);
      reply(false, (err as Error).message.slice(0, 200));
    }
  };

  // ---------------------------------------------------------------- buttons
  bSwitch.onclick = () => void pub.switchCamera().catch((err) => say((err as Error).message));
  bTorch.onclick = async () => {
    if (await pub.setTorch(!torch)) torch = !torch;
    render();
  };
  bMute.onclick = () => {
    muted = !muted;
    pub.stream?.getAudioTracks().forEach((t) => (t.enabled = !muted));
    render();
  };
  bPhoto.onclick = () => void takePhoto();
  bHide.onclick = () => {
    if (frozenWrap.hidden) showDrawing();
    else frozenWrap.hidden = true;
    anchor.visible = !frozenWrap.hidden;
    anchor.paint();
    render();
  };
  bChat.onclick = () => {
    chat.hidden = !chat.hidden;
    render();
  };
  bGlasses.onclick = () => {
    glasses = !glasses;
    try { localStorage.setItem('rvi.glasses', glasses ? '1' : '0'); } catch { /* private mode */ }
    voiceCommands();
    render();
  };
  if (glasses) voiceCommands();
  bLang.onclick = () => {
    lang = lang === 'en' ? 'zh-CN' : 'en';
    try {
      localStorage.setItem('rvi.locale', lang);
    } catch { /* private mode */ }
    if (glasses) voiceCommands(); // recognition in the new language
    render();
  };
  const pending = new Map<string, string>();
  chatForm.onsubmit = (ev) => {
    ev.preventDefault();
    const text = chatInput.value.trim();
    if (!text) return;
    const clientId = randomId('chat');
    pending.set(clientId, text);
    const send = () => (transport as unknown as { send(m: unknown): void }).send({ type: 'chat', clientId, text });
    send();
    // resend until acknowledged (the server stores a clientId once)
    const retry = setInterval(() => (pending.has(clientId) ? send() : clearInterval(retry)), 3000);
    chatInput.value = '';
  };
  transport.onMessage((raw) => {
    const m = raw as unknown as { type: string; clientId?: string };
    if (m.type === 'chat-ack' && m.clientId) pending.delete(m.clientId);
  });
  window.addEventListener('resize', () => {
    if (drawing && !frozenWrap.hidden) showDrawing();
    anchor.paint();
  });

  // heartbeat over the device socket: the indicator turns to "no connection" when the server stops answering
  const heartbeat = setInterval(() => {
    if (stopped) return clearInterval(heartbeat);
    (transport as unknown as { send(m: unknown): void }).send({ type: 'ping' });
    render();
  }, 1000);
  transport.onOpen?.(() => {
    lastPong = Date.now();
    recording = false; // a new connection (perhaps to a restarted server): recording until it says so again
  });

  st.guidance.forEach((e) => apply(e, false));
  if (pin) pub.setPin(pin); // the inspector's latest pin, after a reload
  if (drawing) showDrawing();
  render();
  // "save data", chosen before joining, caps the ladder (and the pin, if any, still applies below it)
  if (await consent(voice)) pub.setCap(SAVE_DATA_CAP);
  try {
    await pub.start();
  } catch (err) {
    page('info', s().noCamera.title, `${s().noCamera.body} (${(err as Error).message})`, 'camera-no-camera');
    return;
  }
  stills.start(); // what an earlier page of this session left in the queue goes first
  if (pub.rung) followRung(pub.rung.rung); // pinned to stills before this page (re)opened
  render();
  if (drawing) anchorDrawing(); // a drawing sent before this page (re)opened: anchor it now that the camera runs
  (window as unknown as { rviCamera: unknown }).rviCamera = { publisher: pub, anchor };
}

/**
 * Before the camera starts: the operator is told that the session is recorded as customs evidence and starts the
 * camera with one tap. That tap is also the user gesture mobile browsers ask for before sound may play: Chrome for
 * Android then lets the inspector's voice play (sticky user activation), and iOS Safari allows a media element to be
 * started from it — the voice element is started here, inside the gesture, and only gets its stream later.
 * Resolves with the operator's "save data" choice.
 */
function consent(voice: HTMLAudioElement): Promise<boolean> {
  const t = s().consent;
  return new Promise((resolve) => {
    const gate = el('div', { class: 'gate', 'data-testid': 'camera-gate', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'gate-title' });
    const go = el('button', { type: 'button', 'data-testid': 'camera-start' }, t.start);
    // "save data" before joining (issue 16): for a metered mobile plan; remembered on this device
    const saveLabel = el('label', { class: 'save-data' });
    const save = el('input', { type: 'checkbox', 'data-testid': 'camera-save-data' });
    try { save.checked = localStorage.getItem('rvi.saveData') === '1'; } catch { /* private mode */ }
    saveLabel.append(save, document.createTextNode(` ${s().saveData}`));
    gate.append(el('h2', { id: 'gate-title' }, t.title), el('p', { 'data-testid': 'camera-gate-notice' }, t.body), saveLabel, el('p', { class: 'hint' }, s().saveDataHint), go);
    go.addEventListener('click', () => {
      void voice.play().catch(() => undefined); // unlocks the element for later playback (iOS Safari)
      document.body.dataset.consentedAt = new Date().toISOString();
      try { localStorage.setItem('rvi.saveData', save.checked ? '1' : '0'); } catch { /* private mode */ }
      gate.remove();
      resolve(save.checked);
    }, { once: true });
    root.append(gate);
    go.focus();
  });
}

void join().then((j) => (j ? start(j) : undefined));
