import type { IncomingMessage, ServerResponse } from 'node:http';
import { EnvelopeError } from '@envelope/core';

/**
 * A request the admin API refuses: `status` is the HTTP status (4xx), the message says what was
 * wrong and how to fix it. Answered as `{"error": message, "code": "ENVELOPE_ADMIN_REQUEST_INVALID"}`.
 */
export class AdminRequestError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_ADMIN_REQUEST_INVALID';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request target without its query. Asked by each route a request passes, so it allocates nothing when there is no query. */
export function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * A body a browser cannot send cross-site without a CORS preflight: `application/json` only (an empty
 * body counts as `{}`). Returns the parsed JSON.
 */
export function jsonBody(request: IncomingMessage, body: Buffer): unknown {
  const type = String(request.headers['content-type'] ?? '')
    .split(';', 1)[0]!
    .trim()
    .toLowerCase();
  if (type !== 'application/json') {
    throw new AdminRequestError(
      415,
      `Send the request as JSON with Content-Type: application/json (got ${type || 'none'}).`,
    );
  }
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AdminRequestError(400, 'Request body is not valid JSON.');
  }
}

export function json(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

export function refuse(response: ServerResponse, error: AdminRequestError): void {
  json(response, error.status, { error: error.message, code: error.code });
}
