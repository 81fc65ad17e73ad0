import { InvalidArgumentError } from '@envelope/core';
import { EmulatorNotRunningError } from './errors.js';
import type { RunningEmulator } from './running-emulator.js';
import { type StartEmulatorOptions, startEmulator } from './start-emulator.js';

type Hook = (fn: () => Promise<void>) => unknown;

/**
 * The test runner's hook functions, passed in so this package imports no runner: `{ before, after,
 * beforeEach }` from node:test or mocha's globals, `{ beforeAll, afterAll, beforeEach }` from Vitest
 * or Jest.
 */
export interface TestRunnerHooks {
  readonly before?: Hook;
  readonly beforeAll?: Hook;
  readonly after?: Hook;
  readonly afterAll?: Hook;
  /** When given, the emulator is reset before every test (unless `resetBetweenTests: false`). */
  readonly beforeEach?: Hook;
}

export interface UseEmulatorOptions extends StartEmulatorOptions {
  /** Default true when `beforeEach` is given. */
  readonly resetBetweenTests?: boolean;
}

/**
 * Registers hooks that start the emulator before the suite, reset it before each test and stop it
 * after the suite. Returns a handle usable inside tests (not at the top level of the file, where
 * the emulator has not started yet).
 */
export function useEmulator(hooks: TestRunnerHooks, options: UseEmulatorOptions = {}): RunningEmulator {
  const before = hooks.before ?? hooks.beforeAll;
  const after = hooks.after ?? hooks.afterAll;
  if (typeof before !== 'function' || typeof after !== 'function') {
    throw new InvalidArgumentError(
      'useEmulator: pass the runner’s hook functions: { before, after, beforeEach } (node:test, mocha) or { beforeAll, afterAll, beforeEach } (Vitest, Jest)',
    );
  }
  let running: RunningEmulator | undefined;
  const current = (): RunningEmulator => {
    if (running) return running;
    throw new EmulatorNotRunningError(
      'The emulator from useEmulator() is not running: use it inside tests or hooks, after its before/beforeAll hook has run',
    );
  };
  before(async () => {
    running = await startEmulator(options);
  });
  if (hooks.beforeEach && options.resetBetweenTests !== false) {
    hooks.beforeEach(async () => {
      await current().reset();
    });
  }
  after(async () => {
    const stopping = running;
    running = undefined;
    await stopping?.stop();
  });
  return {
    get url() {
      return current().url;
    },
    get admin() {
      return current().admin;
    },
    get engine() {
      return current().engine;
    },
    get target() {
      return current().target;
    },
    get aws() {
      return current().aws;
    },
    get faults() {
      return current().faults;
    },
    reset: () => current().reset(),
    auditLog: (filter) => current().auditLog(filter),
    stop: () => current().stop(),
  };
}
