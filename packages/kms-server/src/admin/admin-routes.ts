import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from '@envelope/kms-emulator';
import { applyFault, FaultSpecError, parseFaultSpec } from './fault-spec.js';

export const HEALTH_PATH = '/health';
export const FAULTS_PATH = '/_envelope/faults';

/**
 * `GET /health` and the fault admin endpoint `POST /_envelope/faults`. Both are unauthenticated
 * (the server listens on loopback by default); pass `admin: false` to createKmsServer to turn the
 * fault endpoint off.
 */
export function adminRoutes(faults: FaultInjector, options: { admin: boolean }) {
  return (request: IncomingMessage, response: ServerResponse, body: Buffer): boolean => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path === HEALTH_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
      json(response, 200, { status: 'ok' });
      return true;
    }
    if (path !== FAULTS_PATH || !options.admin) return false;
    if (request.method !== 'POST') {
      json(response, 405, { error: `Use POST ${FAULTS_PATH}` });
      return true;
    }
    try {
      applyFault(faults, parseFaultSpec(JSON.parse(body.toString('utf8') || 'null')));
      json(response, 200, { status: 'ok' });
    } catch (error) {
      const message = error instanceof FaultSpecError ? error.message : 'Request body is not valid JSON';
      json(response, 400, { error: message });
    }
    return true;
  };
}

function json(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
