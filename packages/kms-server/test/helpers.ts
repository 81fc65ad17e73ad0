import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { createKmsServer, type KmsServer, type KmsServerOptions } from '@envelope/kms-server';

export const ACCOUNT = '111122223333';
export const DUMMY_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy-secret' };

/** A temp dir removed by `cleanup()`. */
export function tempDir(prefix = 'kms-server-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Servers and clients made in a test, all closed by `dispose()`. */
export class Fixture {
  readonly #servers: KmsServer[] = [];
  readonly #clients: KMSClient[] = [];
  readonly #dirs: string[] = [];

  dir(): string {
    const dir = tempDir();
    this.#dirs.push(dir);
    return dir;
  }

  async server(options: KmsServerOptions = {}): Promise<KmsServer> {
    const server = await createKmsServer({
      port: 0,
      ...(options.dataDir === undefined && !options.inMemory ? { inMemory: true } : {}),
      ...(options.dataDir !== undefined && !options.rootKeyFile && !options.allowPlaintextRootKey
        ? { rootKey: TEST_ROOT_KEY }
        : {}),
      ...options,
    });
    this.#servers.push(server);
    return server;
  }

  client(
    url: string,
    options: {
      region?: string;
      credentials?: { accessKeyId: string; secretAccessKey: string };
      maxAttempts?: number;
    } = {},
  ): KMSClient {
    const client = new KMSClient({
      endpoint: url,
      region: options.region ?? 'us-east-1',
      credentials: options.credentials ?? DUMMY_CREDENTIALS,
      maxAttempts: options.maxAttempts ?? 1,
      requestHandler: { httpAgent: new Agent({ keepAlive: true }) },
    });
    this.#clients.push(client);
    return client;
  }

  async dispose(): Promise<void> {
    for (const client of this.#clients.splice(0)) client.destroy();
    await Promise.all(this.#servers.splice(0).map((s) => s.close()));
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

export const TEST_ROOT_KEY = randomBytes(32);

/** Runs `fn` and returns the error it throws (fails the test when it does not throw). */
export async function rejection(
  fn: () => Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (error) {
    return error as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected a rejection');
}
