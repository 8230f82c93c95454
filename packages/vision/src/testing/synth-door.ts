/**
 * Generated container-door pictures for the hard cases real photos show (tests only): a number written down a
 * door post (characters stacked upright), seen at an angle, at night, under glare, with motion blur, as a frame of a
 * low-bitrate video stream. Painted with sharp from SVG (DejaVu fonts), degraded with sharp and ffmpeg.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export type DoorCase = 'horizontal' | 'vertical' | 'vertical-spaced' | 'split' | 'perspective' | 'night' | 'glare' | 'blur' | 'lowbitrate';

export interface DoorOptions {
  code: string;
  sizeType?: string;
  width?: number;
  height?: number;
  /** door paint, CSS colour */
  paint?: string;
  ink?: string;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Corrugation lines and door bars, so the picture is not a clean page. */
function doorBackground(w: number, h: number, paint: string): string {
  let s = `<rect width="${w}" height="${h}" fill="${paint}"/>`;
  for (let x = 0; x < w; x += 38) s += `<rect x="${x}" y="0" width="6" height="${h}" fill="#000" opacity="0.10"/>`;
  for (const x of [w * 0.18, w * 0.42, w * 0.6, w * 0.85]) s += `<rect x="${x}" y="0" width="12" height="${h}" fill="#777" opacity="0.55"/>`;
  s += `<rect x="${w * 0.5 - 3}" y="0" width="6" height="${h}" fill="#111" opacity="0.6"/>`;
  return s;
}

/** The number as usually painted top right: owner code + serial, check digit boxed, size-type below. */
function horizontalMarking(o: Required<DoorOptions>, x: number, y: number, fs: number, split: boolean): string {
  const owner = o.code.slice(0, 4), serial = o.code.slice(4, 10), check = o.code[10];
  const adv = fs * 0.602; // DejaVu Sans Mono advance
  const font = `font-family="DejaVu Sans Mono" font-weight="bold" font-size="${fs}" fill="${o.ink}"`;
  const box = (bx: number, by: number) =>
    `<rect x="${bx - adv * 0.3}" y="${by - fs * 0.9}" width="${adv * 1.6}" height="${fs * 1.15}" fill="none" stroke="${o.ink}" stroke-width="${fs * 0.06}"/>` +
    `<text x="${bx}" y="${by}" ${font}>${check}</text>`;
  if (split) {
    // owner code on one line, serial (spaced) + boxed check digit on the next
    return `<text x="${x}" y="${y}" ${font}>${owner}</text>` +
      `<text x="${x}" y="${y + fs * 1.3}" ${font}>${serial.slice(0, 3)} ${serial.slice(3)}</text>` + box(x + adv * 8, y + fs * 1.3) +
      `<text x="${x}" y="${y + fs * 2.7}" ${font}>${esc(o.sizeType)}</text>`;
  }
  return `<text x="${x}" y="${y}" ${font}>${owner} ${serial}</text>` + box(x + adv * 11.6, y) +
    `<text x="${x + adv * 5}" y="${y + fs * 1.4}" ${font}>${esc(o.sizeType)}</text>`;
}

/**
 * Down a door post: each character upright, one under the other (owner code, gap, serial, boxed check digit). `pitch`
 * is the distance between characters in font sizes: tight (1.08, one tall text box) or spaced apart (2, where text
 * detection finds lone characters and misses some).
 */
function verticalMarking(o: Required<DoorOptions>, x: number, y: number, fs: number, pitch = 1.08): string {
  const font = `font-family="DejaVu Sans" font-weight="bold" font-size="${fs}" fill="${o.ink}" text-anchor="middle"`;
  let s = '';
  let cy = y;
  for (let i = 0; i < 11; i++) {
    if (i === 4) cy += fs * 0.4;
    if (i === 10) {
      cy += fs * 0.15;
      s += `<rect x="${x - fs * 0.45}" y="${cy - fs * 0.92}" width="${fs * 0.9}" height="${fs * 1.1}" fill="none" stroke="${o.ink}" stroke-width="${fs * 0.07}"/>`;
    }
    s += `<text x="${x}" y="${cy}" ${font}>${o.code[i]}</text>`;
    cy += fs * pitch;
  }
  return s;
}

export async function paintDoor(kind: DoorCase, opts: DoorOptions): Promise<Buffer> {
  const o: Required<DoorOptions> = { sizeType: '45G1', width: 600, height: 800, paint: '#1f4e8c', ink: '#f4f4f4', ...opts };
  const { width: w, height: h } = o;
  let marking: string;
  if (kind === 'vertical') marking = verticalMarking(o, w * 0.72, h * 0.12, Math.round(w * 0.06));
  else if (kind === 'vertical-spaced') marking = verticalMarking(o, w * 0.72, h * 0.07, Math.round(w * 0.045), 2);
  else marking = horizontalMarking(o, w * 0.42, h * 0.16, Math.round(w * 0.058), kind === 'split');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${doorBackground(w, h, o.paint)}${marking}</svg>`;
  let img = sharp(Buffer.from(svg)).removeAlpha();
  switch (kind) {
    case 'night':
      img = img.linear(0.28, 4).modulate({ saturation: 0.6 });
      break;
    case 'blur':
      // horizontal motion blur: a 1×9 box kernel
      img = img.convolve({ width: 9, height: 3, kernel: [...new Array(9).fill(0), ...new Array(9).fill(1), ...new Array(9).fill(0)] });
      break;
    case 'glare': {
      const glare = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><defs><radialGradient id="g"><stop offset="0" stop-color="#fff" stop-opacity="0.85"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient></defs><ellipse cx="${w * 0.62}" cy="${h * 0.2}" rx="${w * 0.2}" ry="${h * 0.12}" fill="url(#g)"/></svg>`;
      img = sharp(await img.png().toBuffer()).composite([{ input: Buffer.from(glare) }]);
      break;
    }
    default:
  }
  let out: Buffer = await img.jpeg({ quality: 88 }).toBuffer();
  if (kind === 'perspective') out = await ffmpegFilter(out, `perspective=x0=0:y0=0:x1=W:y1=${Math.round(h * 0.08)}:x2=0:y2=H:x3=W:y3=H-${Math.round(h * 0.1)}:sense=destination`);
  if (kind === 'lowbitrate') out = await lowBitrateFrame(out, w, h);
  return out;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += String(d)));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-400)}`))));
  });
}

async function ffmpegFilter(jpeg: Buffer, filter: string): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-synth-'));
  try {
    writeFileSync(join(dir, 'in.jpg'), jpeg);
    await run('ffmpeg', ['-v', 'error', '-y', '-i', join(dir, 'in.jpg'), '-vf', filter, '-q:v', '3', join(dir, 'out.jpg')]);
    return readFileSync(join(dir, 'out.jpg'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The picture as a frame of a 2-second VP8 stream at 250 kbit/s (what a phone sends on a poor uplink), slightly panning. */
async function lowBitrateFrame(jpeg: Buffer, w: number, h: number): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-synth-'));
  try {
    writeFileSync(join(dir, 'in.jpg'), jpeg);
    await run('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-t', '2', '-framerate', '15', '-i', join(dir, 'in.jpg'),
      '-vf', `crop=${w - 16}:${h - 16}:'8+4*sin(t*3)':'8+4*cos(t*3)',scale=${w}:${h}`,
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '250k', '-g', '60', join(dir, 'v.webm')]);
    await run('ffmpeg', ['-v', 'error', '-y', '-ss', '1.5', '-i', join(dir, 'v.webm'), '-frames:v', '1', '-q:v', '2', join(dir, 'out.jpg')]);
    return readFileSync(join(dir, 'out.jpg'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
