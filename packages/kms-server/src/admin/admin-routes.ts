import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwsFaults } from '@envelope/kms-emulator';
import type { HostAllowList } from '../http/host-check.js';
import { applyFault, FaultSpecError, parseFaultSpec } from './fault-spec.js';

export const HEALTH_PATH = '/health';
export const FAULTS_PATH = '/_envelope/faults';
export const ENDPOINTS_PATH = '/_envelope/endpoints';

/** `GET /health`: unauthenticated, so load balancers and probes can call it; reveals nothing. */
export function healthRoute() {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (pathOf(request) !== HEALTH_PATH || (request.method !== 'GET' && request.method !== 'HEAD'))
      return false;
    json(response, 200, { status: 'ok' });
    return true;
  };
}

/**
 * `GET /_envelope/endpoints`: where each protocol of this server listens (`aws-json`, `gcp-rest`,
 * `gcp-grpc`, `azure-https` → `{ url, port }`), so a client given one URL (the emulator switch) finds
 * its own cloud's port. Unauthenticated like `/health`: it names ports on the server's own host, no keys.
 */
export function endpointsRoute(addresses: () => Readonly<Record<string, { url: string; port: number }>>) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (pathOf(request) !== ENDPOINTS_PATH || request.method !== 'GET') return false;
    json(response, 200, { endpoints: addresses() });
    return true;
  };
}

/** The admin API as a listener mounts it: which requests are its own, and how it serves them. */
export interface AdminRoutes {
  matches(request: IncomingMessage): boolean;
  serve(request: IncomingMessage, response: ServerResponse, body: Buffer): void;
}

/**
 * The fault admin endpoint `POST /_envelope/faults`. Each listener serves it only after the Host
 * check and after its protocol endpoint admits the caller (SigV4 on the AWS endpoint when access keys
 * are configured, the same as KMS calls).
 * It also refuses what a browser can send cross-site without a CORS preflight: a body that is not
 * `application/json`, or any foreign `Origin`. Pass `admin: false` to createKmsServer to turn it off.
 */
export function adminRoutes(
  faults: AwsFaults,
  options: { admin: boolean; hosts: HostAllowList },
): AdminRoutes {
  return {
    matches: (request) => options.admin && pathOf(request) === FAULTS_PATH,
    serve: (request, response, body) => serveFaults(faults, options.hosts, request, response, body),
  };
}

function serveFaults(
  faults: AwsFaults,
  hosts: HostAllowList,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): void {
  if (request.method !== 'POST') {
    json(response, 405, { error: `Use POST ${FAULTS_PATH}` });
    return;
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !hosts.allowsOrigin(origin)) {
    json(response, 403, {
      error: `Origin ${origin} may not call the admin API; call it from a script or curl, not a web page.`,
    });
    return;
  }
  const type = String(request.headers['content-type'] ?? '')
    .split(';', 1)[0]!
    .trim()
    .toLowerCase();
  if (type !== 'application/json') {
    json(response, 415, {
      error: `Send the fault as JSON with Content-Type: application/json (got ${type || 'none'}).`,
    });
    return;
  }
  try {
    applyFault(faults, parseFaultSpec(JSON.parse(body.toString('utf8') || 'null')));
    json(response, 200, { status: 'ok' });
  } catch (error) {
    const message = error instanceof FaultSpecError ? error.message : 'Request body is not valid JSON';
    json(response, 400, { error: message });
  }
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?', 1)[0]!;
}

function json(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
