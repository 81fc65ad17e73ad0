import { dirname, resolve } from 'node:path';
import { ConfigError, type EmulatorTarget } from '@envelope/core';
import { type KmsEngine, loadSeedFile, parseSeed } from '@envelope/kms-emulator';
import { createKmsRequestHandler } from '@envelope/kms-protocols';
import { EMULATOR_CREDENTIALS } from './emulator-credentials.js';
import type { EnvelopeConfig } from './schema.js';
import { sharedEmulator } from './shared-emulator.js';

export { EMULATOR_CREDENTIALS };

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
 * the client settings that point every backend at the emulator. In-process, that is the process's
 * shared engine (`sharedEmulator()`), with `emulator.seed` applied to it; `configFile` anchors a
 * relative seed path and names the config in errors.
 */
export async function resolveEmulatorTarget(
  setting: EnvelopeConfig['emulator'],
  env: NodeJS.ProcessEnv,
  configFile = 'envelope.yaml',
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
  const seed = typeof setting === 'object' ? setting.seed : undefined;
  if (url) {
    if (seed !== undefined) {
      throw new ConfigError(
        `${configFile}: emulator.seed seeds the in-process emulator only; for a server at ${url}, pass the seed file to it (envelope kms serve --seed <file>)`,
      );
    }
    return emulatorServerTarget(url);
  }
  const emulator = sharedEmulator();
  if (typeof seed === 'string') {
    await emulator.seed(loadSeedFile(resolve(dirname(configFile), seed)));
  } else if (seed !== undefined) {
    await emulator.seed(parseSeed(seed, `${configFile}: emulator.seed`), {
      file: `${configFile}: emulator.seed`,
    });
  }
  return emulator.target;
}
