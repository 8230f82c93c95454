import { join } from 'node:path';
import type { Config } from '../platform/config.ts';
import { LocalObjectStore, type ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-object-store.ts';

/** The object store the configuration selects: an S3-compatible bucket (RVI_S3_BUCKET), else DATA_DIR/media. */
export function objectStoreFromConfig(config: Pick<Config, 'objectStore' | 'dataDir'>): ObjectStore {
  const o = config.objectStore;
  if (o.kind === 's3') {
    const { kind: _kind, ...cfg } = o;
    return new S3ObjectStore(cfg);
  }
  return new LocalObjectStore(join(config.dataDir, 'media'));
}
