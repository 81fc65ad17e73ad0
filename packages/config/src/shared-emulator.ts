import { randomBytes } from 'node:crypto';
import type { EmulatorTarget } from '@envelope/core';
import {
  type ApplySeedOptions,
  applySeed,
  KmsEngine,
  MemoryResourceStore,
  type SeedFile,
  type SeedSummary,
} from '@envelope/kms-emulator';
import { createKmsRequestHandler, type KmsRequestHandler } from '@envelope/kms-protocols';
import { EMULATOR_CREDENTIALS } from './emulator-credentials.js';

/**
 * The process's in-process emulator: one engine that every `emulator: true` Envelope, every test
 * helper and the caller share, so a writer and a reader in one process see the same keys.
 */
export interface SharedEmulator {
  /** The current engine (a new one after each `reset`). */
  readonly engine: KmsEngine;
  /** Client settings routed to whichever engine is current, so targets survive a reset. */
  readonly target: EmulatorTarget & { readonly engine: KmsEngine };
  /** Applies a seed now and again after every reset (idempotent: existing keys are left as they are). */
  seed(seed: SeedFile, options?: ApplySeedOptions): Promise<SeedSummary>;
  /**
   * Replaces the engine with an empty one (new root key, no keys, no audit events, no faults) and
   * re-applies the seeds given so far, unless `forgetSeeds`.
   */
  reset(options?: { forgetSeeds?: boolean }): Promise<void>;
}

let shared: SharedEmulator | undefined;

/** The process's shared in-process emulator, created on first use. */
export function sharedEmulator(): SharedEmulator {
  shared ??= createSharedEmulator();
  return shared;
}

function createSharedEmulator(): SharedEmulator {
  const fresh = () => new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  let engine = fresh();
  let handler = createKmsRequestHandler(engine);
  const seeds: { seed: SeedFile; options: ApplySeedOptions }[] = [];
  // The AWS SDK keeps the requestHandler it was given: this one forwards to the current engine.
  const requestHandler = {
    metadata: { handlerProtocol: 'envelope-in-process' },
    handle: (...args: Parameters<KmsRequestHandler['handle']>) => handler.handle(...args),
    updateHttpClientConfig(): void {},
    httpHandlerConfigs: () => ({}),
    destroy(): void {},
  };
  const target = {
    url: undefined,
    get engine() {
      return engine;
    },
    clientOverrides: (backend: string) =>
      // maxAttempts 1: faults injected in the emulator surface at once, and the keyring's own
      // retry (with back-off and jitter) is what handles throttling.
      backend === 'aws-kms' ? { requestHandler, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 } : {},
  };
  return {
    get engine() {
      return engine;
    },
    target,
    async seed(seed, options = {}) {
      const summary = await applySeed(engine, seed, options);
      // An Envelope created per test re-applies its config's seed: remember each seed once.
      const same = JSON.stringify({ seed, options });
      if (!seeds.some((s) => JSON.stringify(s) === same)) seeds.push({ seed, options });
      return summary;
    },
    async reset({ forgetSeeds = false } = {}) {
      const old = engine;
      engine = fresh();
      handler = createKmsRequestHandler(engine);
      old.close();
      if (forgetSeeds) seeds.length = 0;
      for (const { seed, options } of seeds) await applySeed(engine, seed, options);
    },
  };
}
