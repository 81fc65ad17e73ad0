import type { FaultHandle, FaultInjector } from '../core/index.js';
import { isKmsExceptionName, KMS_EXCEPTION_NAMES, type KmsExceptionName, kmsError } from './errors.js';

/** The service name of the AWS model in the core's faults and audit records. */
export const AWS_SERVICE = 'aws';

/**
 * Faults in AWS terms, over the core `FaultInjector` (service `aws`, location = Region):
 *
 * - throttle: the call fails with `ThrottlingException` (400, retryable by the SDK), either with a
 *   probability or on every Nth matching call.
 * - fail: the same triggers, answering an AWS KMS exception (e.g. `KMSInternalException` 500,
 *   `DependencyTimeoutException`) to test error handling.
 * - latency: the call is delayed by `ms` before it runs.
 * - region down: every call to that Region throws the core's `LocationUnavailableError`; transports
 *   turn it into a connection-level failure (ECONNREFUSED), as a real outage looks to a client.
 *   Nothing is audited because the request never reached KMS.
 */
export interface FaultMatch {
  /** Operation name (`Decrypt`) or `*` / undefined for all. */
  operation?: string;
  /** Region, or undefined for all. */
  region?: string;
}

export interface ThrottleFault extends FaultMatch {
  probability?: number;
  everyNth?: number;
}

export interface FailureFault extends ThrottleFault {
  exception: KmsExceptionName;
  message?: string;
}

export interface LatencyFault extends FaultMatch {
  ms: number;
}

export class AwsFaults {
  constructor(
    /** The core injector, shared with the other clouds' service models. */
    readonly injector: FaultInjector,
  ) {}

  /** Without `probability` or `everyNth`, every matching call is throttled. */
  throttle(fault: ThrottleFault = {}): FaultHandle {
    return this.injector.throttle({ ...match(fault), ...trigger(fault) });
  }

  /** Without `probability` or `everyNth`, every matching call fails. */
  fail(fault: FailureFault): FaultHandle {
    if (!isKmsExceptionName(fault.exception)) {
      throw kmsError(
        'ValidationException',
        `'${String(fault.exception)}' is not an AWS KMS exception the emulator answers with; use one of ${KMS_EXCEPTION_NAMES.join(', ')}`,
      );
    }
    return this.injector.fail({
      ...match(fault),
      ...trigger(fault),
      error: fault.exception,
      ...(fault.message !== undefined ? { message: fault.message } : {}),
    });
  }

  latency(fault: LatencyFault): FaultHandle {
    return this.injector.latency({ ...match(fault), ms: fault.ms });
  }

  regionDown(region: string): FaultHandle {
    return this.injector.down(AWS_SERVICE, region);
  }

  regionUp(region: string): void {
    this.injector.up(AWS_SERVICE, region);
  }

  isRegionDown(region: string): boolean {
    return this.injector.isDown(AWS_SERVICE, region);
  }

  /** Removes every AWS fault (the other clouds' faults stay). */
  clear(): void {
    for (const rule of this.injector.list()) {
      if (rule.fault.service === AWS_SERVICE) this.injector.remove(rule.id);
    }
  }

  /** Throws `LocationUnavailableError` when the Region is marked down (nothing audited). */
  checkConnection(region: string): void {
    this.injector.checkConnection(AWS_SERVICE, region);
  }
}

const match = (f: FaultMatch) => ({
  service: AWS_SERVICE,
  ...(f.region !== undefined ? { location: f.region } : {}),
  ...(f.operation !== undefined ? { operation: f.operation } : {}),
});

const trigger = (f: ThrottleFault) => ({
  ...(f.probability !== undefined ? { probability: f.probability } : {}),
  ...(f.everyNth !== undefined ? { everyNth: f.everyNth } : {}),
});
