import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { sha256Hex } from './canonical.ts';

export const SIGNATURE_ALGORITHM = 'Ed25519' as const;

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32 raw key bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * A public key as published by the server (`GET /api/keys`) and embedded in evidence packages.
 * A key is valid for signatures made at `createdAt <= t` and, once retired, `t < retiredAt`.
 */
export interface PublicKeyInfo {
  keyId: string;
  algorithm: typeof SIGNATURE_ALGORITHM;
  /** Raw 32-byte Ed25519 public key, base64. */
  publicKey: string;
  publicKeyPem: string;
  createdAt: string;
  retiredAt: string | null;
}

/** The private half, held only by the server process. */
export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  info: PublicKeyInfo;
}

/** Key ids are derived from the key itself (first 16 hex digits of SHA-256 of the raw key), so a verifier can recompute them. */
export function keyIdFor(rawPublicKey: Uint8Array): string {
  return sha256Hex(rawPublicKey).slice(0, 16);
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'spki' });
  if (der.length !== 44 || !der.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) throw new Error('not an Ed25519 public key');
  return der.subarray(12);
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new Error(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/**
 * Reads a public key given as PEM, base64 of the raw 32 bytes, or base64 of the SPKI DER (44 bytes); the text may also be
 * a JSON object with a `publicKey` or `publicKeyPem` field (one entry of `GET /api/keys`). Throws a message naming the problem.
 */
export function parsePublicKey(text: string): KeyObject {
  const t = text.trim();
  if (t.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(t);
    } catch {
      throw new Error('public key: text starting with "{" is not valid JSON');
    }
    const o = obj as Record<string, unknown>;
    const inner = typeof o?.publicKeyPem === 'string' ? o.publicKeyPem : typeof o?.publicKey === 'string' ? o.publicKey : null;
    if (inner === null) throw new Error('public key: JSON has no "publicKey" or "publicKeyPem" string');
    return parsePublicKey(inner);
  }
  let key: KeyObject;
  if (t.startsWith('-----BEGIN')) {
    try {
      key = createPublicKey({ key: t, format: 'pem' });
    } catch (e) {
      throw new Error(`public key: unreadable PEM (${(e as Error).message})`);
    }
  } else {
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) throw new Error('public key: expected PEM or base64');
    const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) key = publicKeyFromRaw(bytes);
    else if (bytes.length === 44 && bytes.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) key = publicKeyFromRaw(bytes.subarray(12));
    else throw new Error(`public key: base64 decodes to ${bytes.length} bytes; expected 32 (raw Ed25519) or 44 (SPKI DER)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`public key: expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

export function publicKeyInfo(key: KeyObject, createdAt: string, retiredAt: string | null): PublicKeyInfo {
  const raw = rawPublicKey(key);
  return {
    keyId: keyIdFor(raw),
    algorithm: SIGNATURE_ALGORITHM,
    publicKey: raw.toString('base64'),
    publicKeyPem: key.export({ format: 'pem', type: 'spki' }).toString(),
    createdAt,
    retiredAt,
  };
}

export function signBytes(key: SigningKey, data: Uint8Array): string {
  return sign(null, data, key.privateKey).toString('base64');
}

/** False for a malformed signature as well as a wrong one (never throws on bad input). */
export function verifyBytes(publicKey: KeyObject, data: Uint8Array, signatureB64: string): boolean {
  if (typeof signatureB64 !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signatureB64)) return false;
  const sig = Buffer.from(signatureB64, 'base64');
  if (sig.length !== 64) return false;
  try {
    return verify(null, data, publicKey, sig);
  } catch {
    return false;
  }
}

interface RingIndex {
  format: 'rvi-keyring/1';
  activeKeyId: string;
  keys: PublicKeyInfo[];
}

const INDEX = 'keyring.json';
const LOCK = 'keyring.lock';

/**
 * The server's Ed25519 signing keys, kept as files in one directory:
 * `keyring.json` (every key's public half with its validity period and which one is active, replaced atomically)
 * and `<keyId>.key.pem` (PKCS#8 private key, mode 0600). Old keys are never deleted, so records signed before a
 * rotation stay verifiable. Several processes may share the directory: creation and rotation take a lock file, and
 * every signing call first checks whether another process rotated (one `stat`).
 */
export class KeyRing {
  private index: RingIndex | null = null;
  private indexStamp = '';
  private active: SigningKey | null = null;

  private constructor(readonly dir: string, private readonly now: () => Date) {}

  /** Opens the ring in `dir`, creating the directory and a first key when there is none. */
  static async open(dir: string, opts: { now?: () => Date } = {}): Promise<KeyRing> {
    const ring = new KeyRing(dir, opts.now ?? (() => new Date()));
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    if (!(await ring.reloadIfChanged())) {
      await ring.withLock(async () => {
        if (await ring.reloadIfChanged()) return; // another process created it meanwhile
        const created = await ring.createKeyFile(ring.now());
        await ring.writeIndex({ format: 'rvi-keyring/1', activeKeyId: created.keyId, keys: [created] });
      });
      await ring.reloadIfChanged();
    }
    return ring;
  }

  /** The key new signatures are made with. */
  async activeKey(): Promise<SigningKey> {
    await this.reloadIfChanged();
    const index = this.index!;
    if (!this.active || this.active.keyId !== index.activeKeyId) {
      const info = index.keys.find((k) => k.keyId === index.activeKeyId);
      if (!info) throw new Error(`key ring ${this.dir}: active key ${index.activeKeyId} is not listed`);
      this.active = await this.loadPrivate(info);
    }
    return this.active;
  }

  /** Every key, oldest first, with its validity period: the body of `GET /api/keys`. */
  async listPublicKeys(): Promise<PublicKeyInfo[]> {
    await this.reloadIfChanged();
    return this.index!.keys.map((k) => ({ ...k }));
  }

  /** Makes a new active key; the previous one is retired at the same instant and kept for verification. */
  async rotate(): Promise<PublicKeyInfo> {
    let created!: PublicKeyInfo;
    await this.withLock(async () => {
      await this.reloadIfChanged();
      const at = this.now();
      created = await this.createKeyFile(at);
      const keys = this.index!.keys.map((k) => (k.retiredAt === null ? { ...k, retiredAt: at.toISOString() } : k));
      await this.writeIndex({ format: 'rvi-keyring/1', activeKeyId: created.keyId, keys: [...keys, created] });
    });
    await this.reloadIfChanged();
    return created;
  }

  /** Returns true when an index exists (loading it if it changed since the last look). */
  private async reloadIfChanged(): Promise<boolean> {
    const path = join(this.dir, INDEX);
    let stamp: string;
    try {
      const st = await fs.stat(path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    if (stamp === this.indexStamp && this.index) return true;
    const parsed = JSON.parse(await fs.readFile(path, 'utf8')) as RingIndex;
    if (parsed?.format !== 'rvi-keyring/1' || !Array.isArray(parsed.keys) || typeof parsed.activeKeyId !== 'string') {
      throw new Error(`key ring ${path}: not a key ring index`);
    }
    this.index = parsed;
    this.indexStamp = stamp;
    return true;
  }

  private async createKeyFile(at: Date): Promise<PublicKeyInfo> {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const info = publicKeyInfo(publicKey, at.toISOString(), null);
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await fs.writeFile(join(this.dir, `${info.keyId}.key.pem`), pem, { mode: 0o600, flag: 'wx' });
    return info;
  }

  private async loadPrivate(info: PublicKeyInfo): Promise<SigningKey> {
    const path = join(this.dir, `${info.keyId}.key.pem`);
    const privateKey = createPrivateKey({ key: await fs.readFile(path, 'utf8'), format: 'pem' });
    const publicKey = createPublicKey(privateKey);
    if (keyIdFor(rawPublicKey(publicKey)) !== info.keyId) throw new Error(`key ring: ${path} does not hold key ${info.keyId}`);
    return { keyId: info.keyId, privateKey, publicKey, info };
  }

  private async writeIndex(index: RingIndex): Promise<void> {
    const tmp = join(this.dir, `.${INDEX}.${randomUUID()}.tmp`);
    await fs.writeFile(tmp, JSON.stringify(index, null, 2) + '\n', { mode: 0o644 });
    await fs.rename(tmp, join(this.dir, INDEX));
  }

  /** Exclusive lock between processes; a lock older than 30 s is taken to be left by a crashed process. */
  private async withLock(fn: () => Promise<void>): Promise<void> {
    const path = join(this.dir, LOCK);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await fs.writeFile(path, String(process.pid), { flag: 'wx' });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const st = await fs.stat(path).catch(() => null);
        if (st && Date.now() - st.mtimeMs > 30_000) {
          await fs.rm(path, { force: true });
          continue;
        }
        if (Date.now() > deadline) throw new Error(`key ring ${this.dir}: could not take ${LOCK} within 10 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      await fn();
    } finally {
      await fs.rm(path, { force: true });
    }
  }
}
