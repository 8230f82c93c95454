// A real S3 server for tests: s3rver (S3's REST protocol in Node, files in a temporary folder) on a free loopback port,
// with one bucket. Not a mock of our code: the AWS SDK talks HTTP + SigV4 to it as it would to AWS S3 or MinIO.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import type { S3StoreConfig } from '../src/adapters/s3-object-store.ts';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** Store settings for this server (prefix "" unless given). */
  config(prefix?: string): S3StoreConfig;
  /** The environment variables a server process would be given. */
  env(prefix?: string): Record<string, string>;
  close(): Promise<void>;
}

export async function startTestS3(bucket = 'rvi-test'): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint, bucket,
    config: (prefix = '') => ({ endpoint, bucket, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', prefix, forcePathStyle: true }),
    env: (prefix = '') => ({ RVI_S3_ENDPOINT: endpoint, RVI_S3_BUCKET: bucket, RVI_S3_ACCESS_KEY: 'S3RVER', RVI_S3_SECRET_KEY: 'S3RVER', ...(prefix ? { RVI_S3_PREFIX: prefix } : {}) }),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
