import { dirname, resolve } from 'node:path';
import { loadSeedFile, parseSeed } from '@envelope/kms-emulator';
import type { EnvelopeConfig } from './schema.js';
import { type SharedEmulator, sharedEmulator } from './shared-emulator.js';

type EmulatorSetting = Exclude<EnvelopeConfig['emulator'], boolean | undefined>;

/**
 * The shared engine's target with the config's `emulator.seed` applied (a seed file path relative
 * to the config, or the seed inline). Imported only when the switch asks for the in-process emulator.
 */
export async function seededSharedTarget(
  seed: EmulatorSetting['seed'],
  configFile: string,
): Promise<SharedEmulator['target']> {
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
