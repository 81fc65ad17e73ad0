import { randomBytes } from 'node:crypto';
import type { InProcessEmulatorTarget } from '@envelope/core';
import {
  type ApplySeedOptions,
  applySeed,
  KmsEngine,
  MemoryResourceStore,
  type SeedFile,
  type SeedSummary,
} from '@envelope/kms-emulator';

/**
 * The process's in-process emulator: one engine that every `emulator: true` Envelope, every test
 * helper and the caller share, so a writer and a reader in one process see the same keys.
 */
export interface SharedEmulator {
  /** The current engine (a new one after each `reset`). */
  readonly engine: KmsEngine;
  /**
   * Where `emulator: true` points keyrings: its `engine` is whichever engine is current, so the
   * transports keyring packages build from it (their emulator hooks) survive a reset.
   */
  readonly target: InProcessEmulatorTarget & { readonly engine: KmsEngine };
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
  const seeds: { seed: SeedFile; options: ApplySeedOptions }[] = [];
  const target = {
    url: undefined,
    get engine() {
      return engine;
    },
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
      old.close();
      if (forgetSeeds) seeds.length = 0;
      for (const { seed, options } of seeds) await applySeed(engine, seed, options);
    },
  };
}
