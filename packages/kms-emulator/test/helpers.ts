import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { createKmsRequestHandler } from '@envelope/kms-protocols';
import { AwsResources } from '../src/aws/aws-resources.js';
import { KmsEngine, MemoryResourceStore, type ResourceStore, SqliteResourceStore } from '../src/index.js';

export const ACCOUNT = '111122223333';
export const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

export type StoreKind = 'memory' | 'sqlite';
export const STORE_KINDS: readonly StoreKind[] = ['memory', 'sqlite'];

export interface Harness {
  engine: KmsEngine;
  store: ResourceStore;
  /** The AWS model's view of the store (keys, aliases, grants). */
  resources: AwsResources;
  rootKey: Buffer;
  dir: string;
  dbPath: string;
  client(region?: string, options?: { accessKeyId?: string; maxAttempts?: number }): KMSClient;
  dispose(): void;
}

/** An engine on the given store, with real KMSClients routed to it in-process. */
export function harness(
  kind: StoreKind,
  principals: Record<string, string> = {},
  clock?: () => Date,
): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'kms-emulator-'));
  const dbPath = join(dir, 'kms.sqlite');
  const store = kind === 'memory' ? new MemoryResourceStore() : new SqliteResourceStore(dbPath);
  const rootKey = randomBytes(32);
  const engine = new KmsEngine({ store, rootKey, ...(clock ? { clock } : {}) });
  const handler = createKmsRequestHandler(engine, { principals });
  const clients: KMSClient[] = [];
  return {
    engine,
    store,
    resources: new AwsResources(store),
    rootKey,
    dir,
    dbPath,
    client(region = 'us-east-1', options = {}) {
      const c = new KMSClient({
        region,
        credentials: { ...CREDENTIALS, accessKeyId: options.accessKeyId ?? CREDENTIALS.accessKeyId },
        requestHandler: handler,
        maxAttempts: options.maxAttempts ?? 1,
      });
      clients.push(c);
      return c;
    },
    dispose() {
      for (const c of clients) c.destroy();
      engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be rejected');
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
