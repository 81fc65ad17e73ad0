import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuditEvent,
  type AzureDiagnosticLogEntry,
  type CloudAuditLogEntry,
  type CoreAuditQuery,
  type CoreAuditRecord,
  cloudTrailEvent,
  type HsmCore,
  renderAuditEntry,
  renderAzureAuditEntry,
} from '@envelope/kms-emulator';
import { AdminRequestError, json } from './admin-http.js';
import { type QueryParameters, queryParameters } from './query-parameters.js';

export const AUDIT_PATH = '/_envelope/audit';

/** Records per page when `limit` is not given, and the most one page may hold. */
export const DEFAULT_AUDIT_PAGE = 100;
export const MAX_AUDIT_PAGE = 1000;

/** One audited call in its own cloud's log format. */
export type AuditLogEntry =
  | { readonly cloud: 'aws'; readonly event: AuditEvent }
  | { readonly cloud: 'gcp'; readonly event: CloudAuditLogEntry }
  | { readonly cloud: 'azure'; readonly event: AzureDiagnosticLogEntry };

/** The answer of `GET /_envelope/audit`: oldest first; `next` is set when more records may match. */
export interface AuditLogPage {
  readonly events: AuditLogEntry[];
  /** Opaque: pass as `?next=` (with the same filters) for the following page. */
  readonly next?: string;
}

const PARAMETERS = ['since', 'until', 'key', 'operation', 'cloud', 'location', 'region', 'limit', 'next'];
const CLOUDS = ['aws', 'gcp', 'azure'] as const;

/**
 * `GET /_envelope/audit`: the audit log of every cloud, filtered and paged in the store (keyset
 * pagination on the log's sequence number, so a page costs the same at any depth).
 */
export function serveAudit(core: HsmCore, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET') throw new AdminRequestError(405, `Use GET ${AUDIT_PATH}.`);
  const query = parseAuditQuery(queryParameters(request, PARAMETERS));
  const page = core.auditPage(query);
  const body: AuditLogPage = {
    events: page.records.map(render),
    ...(page.next !== undefined ? { next: encodeCursor(page.next) } : {}),
  };
  json(response, 200, body);
}

function render(record: CoreAuditRecord): AuditLogEntry {
  switch (record.service) {
    case 'gcp':
      return { cloud: 'gcp', event: renderAuditEntry(record) };
    case 'azure':
      return { cloud: 'azure', event: renderAzureAuditEntry(record) };
    default:
      return { cloud: 'aws', event: cloudTrailEvent(record) };
  }
}

function parseAuditQuery({ one, oneOf }: QueryParameters): CoreAuditQuery & { limit: number } {
  const cloud = oneOf('cloud', CLOUDS);
  const location = one('location');
  const region = one('region');
  if (location !== undefined && region !== undefined) {
    throw new AdminRequestError(400, 'Give location or region (its AWS name), not both.');
  }
  const since = time(one('since'), 'since');
  const until = time(one('until'), 'until');
  const key = one('key');
  const operation = one('operation');
  const next = one('next');
  const place = location ?? region;
  return {
    limit: limitOf(one('limit')),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(cloud !== undefined ? { service: cloud } : {}),
    ...(place !== undefined ? { location: place } : {}),
    ...(key !== undefined ? { resource: key } : {}),
    ...(operation !== undefined ? { operation } : {}),
    ...(next !== undefined ? { after: decodeCursor(next) } : {}),
  };
}

function time(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  // ISO 8601 only: Date.parse also takes forms like "1" that would silently mean the year 2001.
  const parsed = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(parsed)) {
    throw new AdminRequestError(
      400,
      `${name} must be an ISO 8601 time such as 2026-01-31T12:00:00Z (got ${JSON.stringify(value)}).`,
    );
  }
  return new Date(parsed);
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_AUDIT_PAGE;
  const limit = /^\d{1,7}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_AUDIT_PAGE)) {
    throw new AdminRequestError(
      400,
      `limit must be an integer from 1 to ${MAX_AUDIT_PAGE} (got ${JSON.stringify(value)}).`,
    );
  }
  return limit;
}

// The cursor is the last record's position in the log, wrapped so clients treat it as opaque.
const CURSOR_PREFIX = 'audit.v1.';

function encodeCursor(position: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${position}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  const position = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  if (!/^\d{1,15}$/.test(position)) {
    throw new AdminRequestError(
      400,
      'next is not a cursor this server gave out; pass the `next` of the previous page unchanged.',
    );
  }
  return Number(position);
}
