import { ConfigError, type EmulatorTarget } from '@envelope/core';
import type { EnvelopeConfig } from './schema.js';

/** Credentials the emulator accepts when SigV4 verification is off; never real AWS credentials. */
const EMULATOR_CREDENTIALS = { accessKeyId: 'ENVELOPEEMULATOR', secretAccessKey: 'envelope-emulator' };

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
  if (url) {
    return {
      url,
      clientOverrides: () => ({ endpoint: url, credentials: EMULATOR_CREDENTIALS }),
    };
  }
  throw new ConfigError(
    'The in-process emulator is not available yet in @envelope/config; run `envelope kms serve` and set emulator: { url }.',
  );
}
