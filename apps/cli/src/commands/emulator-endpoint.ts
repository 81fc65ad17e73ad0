import { emulatorUrlOf } from '@envelope/config';

/** The AWS endpoint of `envelope kms serve` when nothing else names one. */
export const DEFAULT_EMULATOR_URL = 'http://127.0.0.1:4599';

/**
 * Where `envelope keys` finds the emulator when `--endpoint` is not given. `ENVELOPE_EMULATOR` is the one
 * name for "where the emulator is" (the config switch reads it too, by the same rule, `emulatorUrlOf`):
 * a URL there is the server's. The
 * older `ENVELOPE_KMS_URL` still works, with a warning, until it is removed.
 */
export function emulatorEndpoint(
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): string {
  const emulator = emulatorUrlOf(env.ENVELOPE_EMULATOR);
  if (emulator) return emulator;
  const legacy = env.ENVELOPE_KMS_URL;
  if (legacy) {
    warn(
      'envelope: warning: ENVELOPE_KMS_URL is deprecated; set ENVELOPE_EMULATOR to the server URL instead (the same variable the config switch reads)',
    );
    return legacy;
  }
  return DEFAULT_EMULATOR_URL;
}
