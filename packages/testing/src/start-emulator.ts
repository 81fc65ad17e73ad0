import { emulatorServerTarget } from '@envelope/config';
import { sharedEmulator } from '@envelope/config/emulator';
import { type EmulatorTarget, InvalidArgumentError, loadOptionalModule } from '@envelope/core';
import {
  type KmsEngine,
  loadSeedFile,
  parseSeed,
  type SeedFile,
  type SeedInput,
} from '@envelope/kms-emulator';
import { type AuditFilter, matchesAudit } from './audit-filter.js';
import { EmulatorAdmin } from './emulator-admin.js';
import type { EmulatorFaults, RunningEmulator } from './running-emulator.js';

export interface StartEmulatorOptions {
  /** Keys to create: a seed file path (YAML/JSON) or a seed object (the `envelope kms serve --seed` format). */
  readonly seed?: string | SeedInput;
  /**
   * `true`: a KMS server on a free 127.0.0.1 port (`url` set), for code that takes an endpoint or
   * runs in another process. Default: the process's shared in-process engine (no socket).
   */
  readonly server?: boolean;
  /** Region for `aws.clientConfig()` when none is given; default `us-east-1`. */
  readonly region?: string;
}

/**
 * Starts the KMS emulator for a test suite. In-process (default) it is the same engine that
 * `createEnvelope` uses for `emulator: true`, so application code under test needs no change.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const seed = readSeed(options.seed);
  const region = options.region ?? 'us-east-1';
  return options.server ? startServer(seed, region) : startInProcess(seed, region);
}

function readSeed(seed: StartEmulatorOptions['seed']): SeedFile | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed === 'string') return loadSeedFile(seed);
  if (typeof seed !== 'object' || seed === null) {
    throw new InvalidArgumentError(
      'startEmulator: seed must be a seed file path or a seed object ({ keys: [...] })',
    );
  }
  return parseSeed(seed, 'startEmulator({ seed })');
}

async function startInProcess(seed: SeedFile | undefined, region: string): Promise<RunningEmulator> {
  const shared = sharedEmulator();
  if (seed) await shared.seed(seed, { file: 'startEmulator({ seed })' });
  return runningEmulator({
    url: undefined,
    admin: undefined,
    engine: () => shared.engine,
    target: shared.target,
    awsClient: await awsClientFor(shared.target),
    region,
    reset: () => shared.reset(),
    stop: () => shared.reset({ forgetSeeds: true }),
  });
}

async function startServer(seed: SeedFile | undefined, region: string): Promise<RunningEmulator> {
  // Loaded only when asked for: in-process tests never load the HTTP server.
  const { createKmsServer } = await loadOptionalModule({
    require: () => require('@envelope/kms-server'),
    import: () => import('@envelope/kms-server'),
  });
  const server = await createKmsServer({
    inMemory: true,
    port: 0,
    defaultRegion: region,
    ...(seed ? { seed } : {}),
  });
  const target = emulatorServerTarget(server.url);
  const admin = new EmulatorAdmin(server.url);
  return runningEmulator({
    url: server.url,
    admin,
    engine: () => server.engine,
    target,
    awsClient: await awsClientFor(target),
    region,
    // Through the admin API, as a test against an `envelope kms serve` in another process would:
    // the server, its port and its connections stay; its state goes back to the seed.
    reset: () => admin.reset(),
    stop: () => server.close(),
  });
}

/** `@aws-sdk/client-kms` settings for the AWS face, from the AWS keyring package's emulator hook. */
async function awsClientFor(target: EmulatorTarget): Promise<Readonly<Record<string, unknown>>> {
  // Imported here, not at the top: the AWS SDK loads only when an emulator starts; in the running
  // module system, so it is the copy the test has.
  const { keyringPackage } = await loadOptionalModule({
    require: () => require('@envelope/aws-kms'),
    import: () => import('@envelope/aws-kms'),
  });
  return keyringPackage.emulatorClient(target);
}

interface Parts {
  url: string | undefined;
  admin: EmulatorAdmin | undefined;
  engine: () => KmsEngine;
  target: EmulatorTarget;
  awsClient: Readonly<Record<string, unknown>>;
  region: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

function runningEmulator(parts: Parts): RunningEmulator {
  // The audit log starts after seeding: tests see their own calls, not the seed's CreateKey calls.
  let mark = { engine: parts.engine(), events: parts.engine().auditLog().length };
  const setMark = () => {
    mark = { engine: parts.engine(), events: parts.engine().auditLog().length };
  };
  const faults: EmulatorFaults = {
    throttle: (fault) => parts.engine().faults.throttle(fault),
    fail: (fault) => parts.engine().faults.fail(fault),
    latency: (fault) => parts.engine().faults.latency(fault),
    regionDown: (region) => parts.engine().faults.regionDown(region),
    clear: () => parts.engine().faults.clear(),
  };
  return {
    url: parts.url,
    admin: parts.admin,
    get engine() {
      return parts.engine();
    },
    target: parts.target,
    aws: {
      clientConfig: (region = parts.region) => ({ region, ...parts.awsClient }),
    },
    faults,
    reset: async () => {
      await parts.reset();
      setMark();
    },
    auditLog: (filter: AuditFilter = {}) => {
      const engine = parts.engine();
      return engine
        .auditLog()
        .slice(engine === mark.engine ? mark.events : 0)
        .filter((event) => matchesAudit(event, filter));
    },
    stop: parts.stop,
  };
}
