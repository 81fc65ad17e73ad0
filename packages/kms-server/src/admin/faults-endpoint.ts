import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActiveFault, FaultInjector } from '@envelope/kms-emulator';
import { AdminRequestError, json, jsonBody, pathOf } from './admin-http.js';
import { applyFault, FAULT_SERVICES, FaultSpecError, parseFaultSpec } from './fault-spec.js';
import { queryParameters } from './query-parameters.js';

export const FAULTS_PATH = '/_envelope/faults';

/** One fault in force, as `GET /_envelope/faults` lists it. */
export interface ListedFault {
  /** Pass to `DELETE /_envelope/faults/<id>` to remove it. */
  readonly id: number;
  readonly kind: ActiveFault['type'];
  /** `aws`, `gcp` or `azure`; absent when it matches every service. */
  readonly service?: string;
  /** AWS Region, GCP location or Azure vault; absent for every location. */
  readonly location?: string;
  /** Absent (or `*`) for every operation. */
  readonly operation?: string;
  readonly probability?: number;
  readonly everyNth?: number;
  /** The error a `fail` fault answers with. */
  readonly error?: string;
  readonly message?: string;
  /** The delay of a `latency` fault. */
  readonly ms?: number;
  /** Calls it matched so far (throttle and fail). */
  readonly calls: number;
}

/**
 * `GET` lists the faults in force (every cloud); `POST` injects one (a fault spec, see fault-spec.ts)
 * and answers its id; `DELETE` removes all of them (or one service's with `?service=`), and
 * `DELETE /_envelope/faults/<id>` one.
 */
export function serveFaults(
  faults: FaultInjector,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): void {
  const path = pathOf(request);
  if (path !== FAULTS_PATH) {
    removeOne(faults, path.slice(FAULTS_PATH.length + 1), request, response);
    return;
  }
  switch (request.method) {
    case 'GET':
      json(response, 200, { faults: faults.list().map(listed) });
      return;
    case 'POST': {
      let spec: ReturnType<typeof parseFaultSpec>;
      try {
        spec = parseFaultSpec(jsonBody(request, body));
      } catch (error) {
        if (error instanceof FaultSpecError) throw new AdminRequestError(400, error.message);
        throw error;
      }
      const handle = applyFault(faults, spec);
      json(response, 200, { status: 'ok', ...(handle ? { id: handle.id } : {}) });
      return;
    }
    case 'DELETE': {
      const service = queryParameters(request, ['service']).oneOf('service', FAULT_SERVICES);
      const removed = faults.list().filter((f) => service === undefined || f.fault.service === service);
      for (const fault of removed) faults.remove(fault.id);
      json(response, 200, { status: 'ok', removed: removed.length });
      return;
    }
    default:
      throw new AdminRequestError(405, `Use GET, POST or DELETE ${FAULTS_PATH}.`);
  }
}

function removeOne(
  faults: FaultInjector,
  id: string,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  if (request.method !== 'DELETE') throw new AdminRequestError(405, `Use DELETE ${FAULTS_PATH}/<id>.`);
  if (!/^[1-9]\d{0,15}$/.test(id)) {
    throw new AdminRequestError(
      400,
      `A fault id is a positive integer from GET ${FAULTS_PATH} (got ${JSON.stringify(id)}).`,
    );
  }
  if (!faults.remove(Number(id))) {
    throw new AdminRequestError(404, `No fault ${id} is in force; GET ${FAULTS_PATH} lists them.`);
  }
  json(response, 200, { status: 'ok', removed: 1 });
}

function listed(rule: ActiveFault): ListedFault {
  const { service, location, operation, probability, everyNth, error, message, ms } = rule.fault;
  return Object.fromEntries(
    Object.entries({
      id: rule.id,
      kind: rule.type,
      service,
      location,
      operation,
      probability,
      everyNth,
      error,
      message,
      ms,
      calls: rule.calls,
    }).filter(([, value]) => value !== undefined),
  ) as unknown as ListedFault;
}
