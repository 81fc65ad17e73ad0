import type { CallOutcome } from '@envelope/kms-emulator';
import type { LogRecord } from './listener.js';

/** What a request line says about the service call it made: names and codes only, never payloads. */
export interface CallFields {
  readonly service: string;
  /** AWS region, GCP location, or Azure vault. */
  readonly region: string;
  readonly operation: string;
  /** Key ARN, GCP resource name or Azure key id; null when the call named none it could find. */
  readonly key: string | null;
  /** The cloud's error code; null on success. */
  readonly error: string | null;
}

/**
 * One log line per request. A listener that logs its own request line `open`s the request id and
 * `close`s it to add the engine call's fields to that line; a call no listener opened (gRPC, Azure
 * HTTPS) gets a line of its own. It reads only the names the engine's call record already holds: no
 * body is parsed or serialised again.
 */
export class RequestLog {
  readonly #open = new Map<string, CallOutcome | undefined>();
  #serving = false;

  constructor(readonly log: (record: LogRecord) => void) {}

  /** From now on calls are requests; before (the seed at start-up) they are not logged one by one. */
  serving(): void {
    this.#serving = true;
  }

  open(requestId: string): void {
    this.#open.set(requestId, undefined);
  }

  /** The fields of the call made while serving `requestId`, if one reached a service. */
  close(requestId: string): CallFields | undefined {
    const call = this.#open.get(requestId);
    this.#open.delete(requestId);
    return call ? callFields(call) : undefined;
  }

  /** The HSM core's call observer (`core.observeCalls(requestLog.observeCall)`). */
  readonly observeCall = (call: CallOutcome): void => {
    // A location marked down answers nothing: the listener logs the dropped connection itself.
    if (call.code === 'LocationUnavailable') return;
    if (this.#open.has(call.requestId)) {
      this.#open.set(call.requestId, this.#open.get(call.requestId) ?? call);
      return;
    }
    if (!this.#serving) return;
    this.log({
      level: 'info',
      msg: 'request',
      requestId: call.requestId,
      ...callFields(call),
      ms: Math.round(call.seconds * 100_000) / 100,
    });
  };
}

function callFields(call: CallOutcome): CallFields {
  return {
    service: call.service,
    region: call.location,
    operation: call.operation,
    key: call.resource ?? null,
    error: call.code === 'OK' ? null : call.code,
  };
}
