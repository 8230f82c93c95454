import { useEffect, useRef, useState } from 'react';
import { Box, Button, Group, SegmentedControl, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { drawShapes, type Shape } from '../draw.ts';

export interface FrozenFrame {
  /** small JPEG data URL sent to the device with the drawing */
  jpeg: string;
  width: number;
  height: number;
}

/** Grabs the frame the video shows now; the JPEG is kept small (≤ 640 px wide) for the device's link. */
export function freezeFrame(video: HTMLVideoElement): FrozenFrame | null {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!w || !h) return null;
  const scale = Math.min(1, 640 / w);
  const c = document.createElement('canvas');
  c.width = Math.round(w * scale);
  c.height = Math.round(h * scale);
  c.getContext('2d')!.drawImage(video, 0, 0, c.width, c.height);
  let q = 0.75;
  let jpeg = c.toDataURL('image/jpeg', q);
  while (jpeg.length > 250_000 && q > 0.3) jpeg = c.toDataURL('image/jpeg', (q -= 0.15));
  return { jpeg, width: w, height: h };
}

type Tool = 'arrow' | 'circle' | 'box' | 'text';

/** Draw arrows, circles, boxes and text on a frozen frame; coordinates are fractions of the frame. */
export function DrawPad({ frame, onSend, onCancel, sending }: { frame: FrozenFrame; onSend(shapes: Shape[]): void; onCancel(): void; sending: boolean }) {
  const { t } = useTranslation();
  const [tool, setTool] = useState<Tool>('arrow');
  const [text, setText] = useState('');
  const [shapes, setShapes] = useState<Shape[]>([]);
  const [draft, setDraft] = useState<Shape | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const start = useRef<{ x: number; y: number } | null>(null);

  useEffect(() => {
    const b = box.current?.getBoundingClientRect();
    if (!b || !canvas.current) return;
    drawShapes(canvas.current, draft ? [...shapes, draft] : shapes, { width: b.width, height: b.height }, { width: frame.width, height: frame.height });
  }, [shapes, draft, frame]);

  /** Pointer position as fractions of the frame (the image is letterboxed inside the box). */
  const at = (e: React.PointerEvent) => {
    const b = box.current!.getBoundingClientRect();
    const scale = Math.min(b.width / frame.width, b.height / frame.height);
    const w = frame.width * scale;
    const h = frame.height * scale;
    const x = (e.clientX - b.left - (b.width - w) / 2) / w;
    const y = (e.clientY - b.top - (b.height - h) / 2) / h;
    return { x: Math.min(1, Math.max(0, x)), y: Math.min(1, Math.max(0, y)) };
  };
  const make = (a: { x: number; y: number }, b: { x: number; y: number }): Shape | null => {
    if (tool === 'arrow') return { type: 'arrow', x1: a.x, y1: a.y, x2: b.x, y2: b.y };
    if (tool === 'box') return { type: 'box', x1: Math.min(a.x, b.x), y1: Math.min(a.y, b.y), x2: Math.max(a.x, b.x), y2: Math.max(a.y, b.y) };
    if (tool === 'circle') return { type: 'circle', cx: a.x, cy: a.y, r: Math.min(1, Math.hypot(b.x - a.x, (b.y - a.y) * (frame.height / frame.width)) || 0.03) };
    return text.trim() ? { type: 'text', x: a.x, y: a.y, text: text.trim().slice(0, 120) } : null;
  };

  return (
    <Box>
      <Box
        ref={box} pos="relative" h={420} bg="black" style={{ touchAction: 'none', cursor: 'crosshair', userSelect: 'none' }} data-testid="draw-pad"
        onPointerDown={(e) => {
          (e.target as Element).setPointerCapture?.(e.pointerId);
          start.current = at(e);
        }}
        onPointerMove={(e) => {
          if (start.current && tool !== 'text') setDraft(make(start.current, at(e)));
        }}
        onPointerUp={(e) => {
          const a = start.current;
          start.current = null;
          setDraft(null);
          if (!a) return;
          const s = make(a, at(e));
          // a click without a drag is no arrow or box
          const tiny = (s?.type === 'arrow' && Math.hypot(s.x2 - s.x1, s.y2 - s.y1) <= 0.01) || (s?.type === 'box' && (s.x2 - s.x1 <= 0.01 || s.y2 - s.y1 <= 0.01));
          if (s && !tiny) setShapes((list) => [...list, s].slice(0, 50));
        }}
      >
        <img src={frame.jpeg} alt="" style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', objectFit: 'contain', pointerEvents: 'none' }} />
        <canvas ref={canvas} style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', pointerEvents: 'none' }} />
      </Box>
      <Group mt="xs" gap="xs">
        <SegmentedControl size="xs" value={tool} onChange={(v) => setTool(v as Tool)} data-testid="draw-tool"
          data={[{ value: 'arrow', label: t('sessions.draw.arrow') },  { value: 'circle', label: t('sessions.draw.circle') }, { value: 'box', label: t('sessions.draw.box') }, { value: 'text', label: t('sessions.draw.text') }]} />
        {tool === 'text' ? <TextInput size="xs" value={text} onChange={(e) => setText(e.currentTarget.value)} placeholder={t('sessions.draw.textPlaceholder')} maxLength={120} /> : null}
        <Button size="xs" variant="default" onClick={() => setShapes((l) => l.slice(0, -1))} disabled={!shapes.length}>{t('sessions.draw.undo')}</Button>
        <Button size="xs" onClick={() => onSend(shapes)} disabled={!shapes.length} loading={sending} data-testid="draw-send" data-shapes={shapes.length}>{t('sessions.draw.send')}</Button>
        <Button size="xs" variant="subtle" onClick={onCancel}>{t('sessions.draw.cancel')}</Button>
      </Group>
    </Box>
  );
}
