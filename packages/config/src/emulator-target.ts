import { randomBytes } from 'node:crypto';
import type { EmulatorTarget } from '@envelope/core';
import { createKmsRequestHandler, KmsEngine, MemoryStore } from '@envelope/kms-emulator';
import type { EnvelopeConfig } from './schema.js';

/** Credentials the emulator accepts when SigV4 verification is off; never real AWS credentials. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'ENVELOPEEMULATOR', secretAccessKey: 'envelope-emulator' };

/** Routes AWS KMS clients to a running `envelope kms serve`. */
export function emulatorServerTarget(url: string): EmulatorTarget {
  return {
    url,
    clientOverrides: (backend) =>
      backend === 'aws-kms' ? { endpoint: url, credentials: EMULATOR_CREDENTIALS } : {},
  };
}

/** Routes AWS KMS clients to an engine in this process (no socket): the real SDK code path. */
export function inProcessEmulatorTarget(engine: KmsEngine): EmulatorTarget & { readonly engine: KmsEngine } {
  const requestHandler = createKmsRequestHandler(engine);
  return {
    url: undefined,
    engine,
    clientOverrides: (backend) =>
      // maxAttempts 1: faults injected in the emulator surface at once, and the keyring's own
      // retry (with back-off and jitter) is what handles throttling.
      backend === 'aws-kms' ? { requestHandler, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 } : {},
  };
}

/**
 * Resolves the `emulator:` switch (or `ENVELOPE_EMULATOR`: `1`/`true` for in-process, or a URL) to
 * the client settings that point every backend at the emulator.
 */
export async function resolveEmulatorTarget(
  setting: EnvelopeConfig['emulator'],
  env: NodeJS.ProcessEnv,
): Promise<EmulatorTarget | undefined> {
  const fromEnv = env.ENVELOPE_EMULATOR;
  let url: string | undefined;
  let enabled = setting !== undefined && setting !== false;
  if (typeof setting === 'object') url = setting.url;
  if (fromEnv && fromEnv !== '0' && fromEnv !== 'false') {
    enabled = true;
    if (/^https?:\/\//.test(fromEnv)) url = fromEnv;
  }
  if (!enabled) return undefined;
  if (url) return emulatorServerTarget(url);
  return inProcessEmulatorTarget(new KmsEngine({ store: new MemoryStore(), rootKey: randomBytes(32) }));
}
