import type { EmulatorTarget } from '@envelope/core';
import type {
  AuditEvent,
  FailureFault,
  FaultHandle,
  KmsEngine,
  LatencyFault,
  ThrottleFault,
} from '@envelope/kms-emulator';
import type { AuditFilter } from './audit-filter.js';
import type { EmulatorAdmin } from './emulator-admin.js';

/** Faults on demand, applied to whichever engine is current (they end at `reset()` or `clear()`). */
export interface EmulatorFaults {
  /** Calls answer `ThrottlingException` (every call, a probability, or every Nth matching call). */
  throttle(fault?: ThrottleFault): FaultHandle;
  /** Calls answer the given AWS exception (e.g. `KMSInternalException`). */
  fail(fault: FailureFault): FaultHandle;
  /** Calls are delayed by `ms`. */
  latency(fault: LatencyFault): FaultHandle;
  /** Every call to `region` fails as a refused connection, until the handle is removed. */
  regionDown(region: string): FaultHandle;
  /** Removes every fault. */
  clear(): void;
}

/** The AWS KMS face of the emulator (other clouds' faces sit beside it as they are emulated). */
export interface AwsEmulatorFace {
  /** Settings for `new KMSClient(...)` from `@aws-sdk/client-kms` that reach this emulator. */
  clientConfig(region?: string): Record<string, unknown>;
}

/** A running emulator, from `startEmulator()` or `useEmulator()`. */
export interface RunningEmulator {
  /** The server's URL in server mode; undefined in-process. */
  readonly url: string | undefined;
  /** The server's admin API (reset, audit, faults of every cloud, metrics) in server mode; undefined in-process. */
  readonly admin: EmulatorAdmin | undefined;
  /** The current engine (in-process, replaced by `reset()`): call `engine.execute(...)` to set up keys directly. */
  readonly engine: KmsEngine;
  /** Pass as `createEnvelope({ emulator })`, or set `emulator: true` / `ENVELOPE_EMULATOR` in-process. */
  readonly target: EmulatorTarget;
  readonly aws: AwsEmulatorFace;
  readonly faults: EmulatorFaults;
  /** Back to the seeded state: no other keys, no audit events, no faults (server mode: `admin.reset()`). */
  reset(): Promise<void>;
  /** CloudTrail-shaped audit events since the emulator started or was last reset (seeding left out), oldest first. */
  auditLog(filter?: AuditFilter): AuditEvent[];
  /** Stops the server (server mode) or empties the shared engine and forgets its seeds (in-process). */
  stop(): Promise<void>;
}
