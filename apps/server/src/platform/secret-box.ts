// Secrets the server must read back (TOTP seeds, later webhook signing secrets) are sealed with AES-256-GCM under one
// key: RVI_SECRETS_KEY (base64 of 32 bytes; several API nodes share it) or, when unset, DATA_DIR/keys/secrets.key,
// created on first use with mode 0600. A database dump alone then reveals no second factor.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static open(dataDir: string, envKey: string | null): SecretBox {
    if (envKey) {
      const k = Buffer.from(envKey, 'base64');
      if (k.length !== 32) throw new Error('RVI_SECRETS_KEY must be the base64 encoding of 32 bytes');
      return new SecretBox(k);
    }
    const file = join(dataDir, 'keys', 'secrets.key');
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    return new SecretBox(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  /** `v1.<iv>.<tag>.<ciphertext>` (base64url). */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  unseal(sealed: string): string {
    const [v, iv, tag, body] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
  }
}
