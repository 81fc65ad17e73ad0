import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HsmCore, SeedSummary } from '@envelope/kms-emulator';
import type { HostAllowList } from '../http/host-check.js';
import type { KmsMetrics } from '../metrics/kms-metrics.js';
import { METRICS_PATH, serveMetrics } from '../metrics/metrics-endpoint.js';
import { AdminRequestError, json, pathOf, refuse } from './admin-http.js';
import { AUDIT_PATH, serveAudit } from './audit-endpoint.js';
import { FAULTS_PATH, serveFaults } from './faults-endpoint.js';
import { RESET_PATH, serveReset } from './reset.js';

export const HEALTH_PATH = '/health';
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
  serve(request: IncomingMessage, response: ServerResponse, body: Buffer): void | Promise<void>;
}

/** What the admin API works on. */
export interface AdminContext {
  /** The HSM core every cloud shares: its faults and audit log. */
  readonly core: HsmCore;
  /** Back to the start state (see `stateReset`). */
  readonly reset: () => Promise<SeedSummary[]>;
  readonly metrics: KmsMetrics;
}

const ADMIN_PATHS = [FAULTS_PATH, RESET_PATH, AUDIT_PATH, METRICS_PATH];

/**
 * The admin API: `/_envelope/faults` (list, inject, clear), `/_envelope/reset`, `/_envelope/audit`
 * and `/metrics`. Each listener serves it only after the Host check and after its protocol endpoint
 * admits the caller (SigV4 on the AWS endpoint when access keys are configured, the same as KMS calls).
 * It also refuses what a browser can send cross-site without a CORS preflight: a POST body that is
 * not `application/json`, or any foreign `Origin`. With `admin: false` every admin path answers 404
 * saying the admin API is off. Refusals are JSON: `{"error": "<what and how to fix>", "code": …}`.
 */
export function adminRoutes(
  context: AdminContext,
  options: { admin: boolean; hosts: HostAllowList },
): AdminRoutes {
  return {
    matches: (request) => {
      const path = pathOf(request);
      return ADMIN_PATHS.includes(path) || path.startsWith(`${FAULTS_PATH}/`);
    },
    serve: async (request, response, body) => {
      try {
        if (!options.admin) {
          throw new AdminRequestError(
            404,
            `The admin API is off on this server (started with admin: false / --no-admin); ` +
              `restart it without that option to use ${pathOf(request)}.`,
          );
        }
        const origin = request.headers.origin;
        if (origin !== undefined && !options.hosts.allowsOrigin(origin)) {
          throw new AdminRequestError(
            403,
            `Origin ${origin} may not call the admin API; call it from a script or curl, not a web page.`,
          );
        }
        await route(context, request, response, body);
      } catch (error) {
        if (!(error instanceof AdminRequestError)) throw error;
        refuse(response, error);
      }
    },
  };
}

async function route(
  context: AdminContext,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): Promise<void> {
  const path = pathOf(request);
  if (path === RESET_PATH) return serveReset(context.reset, request, response, body);
  if (path === AUDIT_PATH) return serveAudit(context.core, request, response);
  if (path === METRICS_PATH) return serveMetrics(context.metrics, request, response);
  return serveFaults(context.core.faults, request, response, body);
}
