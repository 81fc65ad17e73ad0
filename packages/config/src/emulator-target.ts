import {
  ConfigError,
  discoverEmulatorEndpoints,
  type EmulatorServerTarget,
  type EmulatorTarget,
  loadOptionalModule,
} from '@envelope/core';
import type { EnvelopeConfig } from './schema.js';

/**
 * A running `envelope kms serve`: each keyring package's emulator hook turns the URL into its client
 * settings. The server is asked where its faces listen on the first hook that needs it, and its
 * answer is kept; concurrent hooks share one lookup. A failed lookup (undefined: the server not yet
 * listening, as when the application starts first under docker compose) is not kept, so the next
 * hook asks again.
 */
export function emulatorServerTarget(url: string): EmulatorServerTarget {
  let endpoints: ReturnType<EmulatorServerTarget['endpoints']> | undefined;
  return {
    url,
    endpoints: () => {
      if (endpoints === undefined) {
        const lookup = discoverEmulatorEndpoints(url);
        endpoints = lookup;
        const forget = () => {
          if (endpoints === lookup) endpoints = undefined;
        };
        lookup.then((found) => found === undefined && forget(), forget);
      }
      return endpoints;
    },
  };
}

/** An emulator engine in this process (no socket), e.g. one a test made; the engine is `@envelope/kms-emulator`'s. */
export function inProcessEmulatorTarget<Engine extends object>(
  engine: Engine,
): EmulatorTarget & { readonly engine: Engine } {
  return { url: undefined, engine };
}

/**
 * The server URL in an `ENVELOPE_EMULATOR` value: the value itself when it is an `http://` or
 * `https://` URL (the scheme in any case, as URLs allow), else undefined (`1`/`true` mean the
 * in-process emulator). The one rule for the variable: the config switch and the CLI both read it so.
 */
export function emulatorUrlOf(value: string | undefined): string | undefined {
  return value !== undefined && /^https?:\/\//i.test(value) ? value : undefined;
}

const SWITCH_ON = ['1', 'true', 'yes', 'on'];
const SWITCH_OFF = ['', '0', 'false', 'no', 'off'];

/**
 * What an `ENVELOPE_EMULATOR` value asks for: a server (its URL), the in-process emulator
 * (`1`/`true`/`yes`/`on`), or nothing (unset, empty, `0`/`false`/`no`/`off`); words in any case, as
 * `envelope kms serve` reads its switches. Anything else is refused rather than guessed: `no` must
 * never turn an application's keyrings over to a throwaway in-process emulator.
 */
export function emulatorVariable(
  value: string | undefined,
): { readonly url: string } | 'in-process' | undefined {
  if (value === undefined) return undefined;
  const url = emulatorUrlOf(value);
  if (url !== undefined) return { url };
  const word = value.trim().toLowerCase();
  if (SWITCH_ON.includes(word)) return 'in-process';
  if (SWITCH_OFF.includes(word)) return undefined;
  throw new ConfigError(
    `ENVELOPE_EMULATOR is ${JSON.stringify(value)}; set it to an http(s):// URL (a running envelope kms serve), 1/true (the in-process emulator), or 0/false or nothing (off).`,
  );
}

/**
 * Resolves the `emulator:` switch (or `ENVELOPE_EMULATOR`, read by {@link emulatorVariable}) to
 * where every keyring is pointed. In-process, that is the process's shared engine
 * (`sharedEmulator()` from `@envelope/config/emulator`), with `emulator.seed` applied to it; only then
 * is the emulator imported. `configFile` anchors a relative seed path and names the config in errors.
 */
export async function resolveEmulatorTarget(
  setting: EnvelopeConfig['emulator'],
  env: NodeJS.ProcessEnv,
  configFile = 'envelope.yaml',
): Promise<EmulatorTarget | undefined> {
  const fromEnv = emulatorVariable(env.ENVELOPE_EMULATOR);
  let url: string | undefined;
  let enabled = setting !== undefined && setting !== false;
  if (typeof setting === 'object') url = setting.url;
  if (fromEnv !== undefined) {
    enabled = true;
    if (fromEnv !== 'in-process') url = fromEnv.url;
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
  const { seededSharedTarget } = await importInProcessEmulator(configFile);
  return seededSharedTarget(seed, configFile);
}

/** In the running module system (as importByName), so there is one shared emulator per process. */
function importInProcessEmulator(configFile: string) {
  return loadOptionalModule(
    { require: () => require('./in-process-emulator.js'), import: () => import('./in-process-emulator.js') },
    {
      packageName: '@envelope/kms-emulator',
      error: (cause) =>
        new ConfigError(
          `${configFile}: the in-process emulator (emulator: true or ENVELOPE_EMULATOR=1) needs the package @envelope/kms-emulator, which is not installed; install it (npm i -D @envelope/kms-emulator) or point the switch at a server (emulator: { url: … }).`,
          { cause },
        ),
    },
  );
}
