import type { ResourceStore } from '../core/index.js';
import { invalidArgument } from './errors.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface ListRequestFields {
  parent: string;
  pageSize?: unknown;
  pageToken?: unknown;
  filter?: unknown;
  orderBy?: unknown;
}

/** One filterable field of a listed message: its value as the filter compares it. */
export type FilterFields<M> = Record<string, (message: M) => string | undefined>;

interface PageToken {
  p: string;
  f: string;
  o: string;
  a: string;
}

const encodeToken = (token: PageToken): string => Buffer.from(JSON.stringify(token)).toString('base64url');

function decodeToken(raw: string, parent: string, filter: string, orderBy: string): string {
  let token: Partial<PageToken> | undefined;
  try {
    token = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<PageToken>;
  } catch {
    token = undefined;
  }
  if (
    !token ||
    typeof token.a !== 'string' ||
    token.p !== parent ||
    token.f !== filter ||
    token.o !== orderBy
  )
    throw invalidArgument(
      'page_token is not valid for this request: pass the next_page_token of the previous page, with the same parent, filter and order_by.',
    );
  return token.a;
}

/**
 * The filter grammar this emulator honours: one comparison `field = value` or `field != value`
 * (value optionally double-quoted) on a field the listing names. Anything else is refused with
 * INVALID_ARGUMENT rather than ignored, so a test never passes on an unapplied filter.
 */
function compileFilter<M>(filter: string, fields: FilterFields<M>): (message: M) => boolean {
  if (filter.trim() === '') return () => true;
  const match = /^\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*(!=|=)\s*(?:"([^"]*)"|([^\s"]+))\s*$/.exec(filter);
  const supported = Object.keys(fields).join(', ');
  if (!match)
    throw invalidArgument(
      `filter '${filter.slice(0, 200)}' is not supported by the emulator: it accepts one comparison 'field = value' or 'field != value' on ${supported}.`,
    );
  const [, field = '', op, quoted, bare] = match;
  const read = fields[field] ?? fields[snakeToCamel(field)];
  if (!read)
    throw invalidArgument(
      `filter field '${field}' is not supported by the emulator; supported fields: ${supported}.`,
    );
  const wanted = quoted ?? bare ?? '';
  return op === '=' ? (m) => read(m) === wanted : (m) => read(m) !== wanted;
}

const snakeToCamel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function checkOrderBy(orderBy: string): void {
  if (orderBy.trim() === '' || /^\s*name(\s+asc)?\s*$/i.test(orderBy)) return;
  throw invalidArgument(
    `order_by '${orderBy.slice(0, 200)}' is not supported by the emulator: results are always in name order ('name' or 'name asc').`,
  );
}

export interface ListPage<M> {
  items: M[];
  nextPageToken: string;
}

/**
 * One page of a listing over the store's keyset pagination: the page token is opaque to callers
 * and carries the store key to resume after, bound to the request's parent, filter and order.
 */
export function listPage<R, M>(
  store: ResourceStore,
  kind: string,
  prefix: string,
  request: ListRequestFields,
  options: { storeKey: (record: R) => string; toMessage: (record: R) => M; filterFields: FilterFields<M> },
): ListPage<M> {
  const pageSize = readPageSize(request.pageSize);
  const filter = optionalString(request.filter, 'filter');
  const orderBy = optionalString(request.orderBy, 'order_by');
  checkOrderBy(orderBy);
  const keep = compileFilter(filter, options.filterFields);
  const rawToken = optionalString(request.pageToken, 'page_token');
  let after = rawToken === '' ? undefined : decodeToken(rawToken, request.parent, filter, orderBy);
  const items: M[] = [];
  let last: string | undefined;
  for (;;) {
    const page = store.list<R>(kind, { prefix, limit: pageSize, ...(after !== undefined ? { after } : {}) });
    for (const [i, record] of page.records.entries()) {
      const message = options.toMessage(record);
      if (!keep(message)) continue;
      items.push(message);
      last = options.storeKey(record);
      if (items.length === pageSize) {
        const more = i < page.records.length - 1 || page.next !== undefined;
        return {
          items,
          nextPageToken: more ? encodeToken({ p: request.parent, f: filter, o: orderBy, a: last }) : '',
        };
      }
    }
    if (page.next === undefined) return { items, nextPageToken: '' };
    after = page.next;
  }
}

function readPageSize(value: unknown): number {
  if (value === undefined || value === null || value === 0) return DEFAULT_PAGE_SIZE;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 0) throw invalidArgument('page_size must not be negative.');
  return Math.min(size, MAX_PAGE_SIZE);
}

function optionalString(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw invalidArgument(`${field} must be a string.`);
  return value;
}
