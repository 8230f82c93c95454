import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * This media node's stable identity: RVI_MEDIA_NODE_ID, else an id generated once and kept in the data directory
 * (`media-node-id`). Never the process id: a restarted node must recognise the sessions and recordings it hosted.
 */
export function mediaNodeId(dataDir?: string): string {
  const configured = process.env.RVI_MEDIA_NODE_ID?.trim();
  if (configured) return configured;
  if (!dataDir) return `${hostname()}`;
  const file = join(dataDir, 'media-node-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {
    /* first start */
  }
  const id = `${hostname().replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${id}\n`, { flag: 'wx' });
  return id;
}

/** The bus address of this process: its media node's id when it hosts media, else an id of this API/worker process. */
export function processAddress(roles: readonly string[], dataDir: string): string {
  return roles.includes('media') ? mediaNodeId(dataDir) : `api-${hostname().replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
