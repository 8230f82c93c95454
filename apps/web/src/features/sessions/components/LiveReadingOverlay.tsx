// The live reading overlay (issue 17): each container or seal number the media node reads from the live video is drawn
// over the inspector's video where it was read (its box, letterboxed like the picture: containRect, as the live
// pointer), with a badge saying the number and whether it matches the declaration (✓ declared, ✗ not declared, ? nothing
// declared to compare with). Each shows for SHOW_MS then fades; the newest MAX_READINGS at once (live.ts keeps them).
import { useEffect, useState, type RefObject } from 'react';
import { Badge, Box } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { containRect } from '../draw.ts';
import type { LiveReadingMark } from '../live.ts';

/** How long a reading stays on the video, and how long it takes to fade out after that. */
export const SHOW_MS = 8000;
export const FADE_MS = 1000;

const VERDICT = {
  declared: { symbol: '✓', color: 'green', border: '#2f9e44' },
  notDeclared: { symbol: '✗', color: 'red', border: '#e03131' },
  nothingDeclared: { symbol: '?', color: 'gray', border: '#868e96' },
} as const;

export function verdictOf(declared: boolean | null): keyof typeof VERDICT {
  return declared === true ? 'declared' : declared === false ? 'notDeclared' : 'nothingDeclared';
}

type Frame = { x: number; y: number; width: number; height: number };

function ReadingMark({ mark, frame, slot }: { mark: LiveReadingMark; frame: Frame | null; slot: number }) {
  const { t } = useTranslation();
  const [phase, setPhase] = useState<'shown' | 'fading' | 'gone'>('shown');
  useEffect(() => {
    const fade = setTimeout(() => setPhase('fading'), SHOW_MS);
    const gone = setTimeout(() => setPhase('gone'), SHOW_MS + FADE_MS);
    return () => { clearTimeout(fade); clearTimeout(gone); };
  }, []);
  if (phase === 'gone') return null;
  const verdict = verdictOf(mark.declared);
  const v = VERDICT[verdict];
  const label = t('sessions.liveReading.label', { kind: t(`sessions.liveReading.kind.${mark.kind}`), value: mark.value, verdict: t(`sessions.liveReading.verdict.${verdict}`) });
  const badge = (above: boolean, right = false) => (
    <Badge data-testid="live-reading-badge" color={v.color} variant="filled" size="lg" tt="none" aria-hidden
      style={{ position: 'absolute', ...(right ? { right: -3 } : { left: -3 }), ...(above ? { bottom: '100%', marginBottom: 2 } : { top: '100%', marginTop: 2 }), width: 'max-content', maxWidth: 'none', overflow: 'visible', whiteSpace: 'nowrap', boxShadow: '0 1px 4px rgba(0,0,0,.5)' }}>
      {mark.value} {v.symbol} {t(`sessions.liveReading.short.${verdict}`)}
    </Badge>
  );
  const common = {
    role: 'status', 'aria-label': label, 'data-testid': 'live-reading', 'data-id': mark.id, 'data-kind': mark.kind, 'data-value': mark.value,
    'data-declared': String(mark.declared), 'data-phase': phase,
  } as const;
  const fadeStyle = { opacity: phase === 'fading' ? 0 : 1, transition: `opacity ${FADE_MS}ms ease-out`, pointerEvents: 'none' } as const;
  if (mark.box && frame) {
    // the number's box on the picture: fractions of the frame → CSS pixels of the video element (letterboxed)
    const [x0, y0, x1, y1] = mark.box;
    const left = frame.x + x0 * frame.width, top = frame.y + y0 * frame.height;
    const width = (x1 - x0) * frame.width, height = (y1 - y0) * frame.height;
    return (
      <Box {...common} data-has-box="1" style={{ ...fadeStyle, position: 'absolute', left, top, width, height }}>
        <div data-testid="live-reading-box" style={{ position: 'absolute', inset: -3, border: `3px solid ${v.border}`, borderRadius: 3, boxShadow: `0 0 8px ${v.border}` }} />
        {/* above the box (below it at the top of the picture), towards the middle of the picture */}
        {badge(top >= 30, x0 > 0.5)}
      </Box>
    );
  }
  // no box (or no picture yet): the badge alone, stacked at the top right of the video
  return (
    <Box {...common} data-has-box="0" style={{ ...fadeStyle, position: 'absolute', right: 8, top: 8 + slot * 32, height: 0, width: 0 }}>
      <Box style={{ position: 'absolute', right: 0, top: 0 }}>{badge(false, true)}</Box>
    </Box>
  );
}

/** The readings over the console's live video (placed inside the same box as the video, as the live pointer). */
export function LiveReadingOverlay({ video, readings }: { video: RefObject<HTMLVideoElement | null>; readings: LiveReadingMark[] }) {
  // the marks follow the picture: redrawn when the element is resized or the stream's resolution changes
  const [, redraw] = useState(0);
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    const bump = () => redraw((n) => n + 1);
    el.addEventListener('resize', bump);
    el.addEventListener('loadedmetadata', bump);
    const ro = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(bump);
    ro?.observe(el);
    return () => {
      el.removeEventListener('resize', bump);
      el.removeEventListener('loadedmetadata', bump);
      ro?.disconnect();
    };
  }, [video]);
  const el = video.current;
  const frame = el && el.videoWidth ? containRect({ width: el.clientWidth, height: el.clientHeight }, { width: el.videoWidth, height: el.videoHeight }) : null;
  let slot = 0;
  return (
    <>
      {readings.map((r) => <ReadingMark key={r.id} mark={r} frame={frame} slot={r.box && frame ? 0 : slot++} />)}
    </>
  );
}
