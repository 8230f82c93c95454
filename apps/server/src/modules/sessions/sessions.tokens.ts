// Device join tokens and device keys: random, never stored in clear (SHA-256 only), compared by hash lookup.
import { createHash, randomBytes } from 'node:crypto';
import qrcode from 'qrcode-generator';

/** 32 random bytes, URL-safe (256 bits: guessing is out of reach; the hash index makes lookups constant-time). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The link as a QR code (SVG, scalable, error correction M). */
export function qrSvg(text: string): string {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true });
}
