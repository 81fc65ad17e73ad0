import type { CallScope } from '../core/index.js';
import { badParameter } from './errors.js';
import type { AzureKeyStore } from './key-store.js';
import { checkKeyName } from './names.js';

/** One request to the keys API, as a wire protocol hands it over after routing. */
export interface AzureRequest {
  /** Key name from the path. */
  name?: string;
  /** Key version from the path; empty or absent means the current version. */
  version?: string;
  /** The parsed JSON body. */
  body?: unknown;
  /** `maxresults` query parameter of a listing. */
  maxresults?: number;
  /** Continuation token of a listing (from a previous page's `nextLink`). */
  skiptoken?: string;
}

/** A listing page: the items and, when more follow, the token of the next page. */
export interface AzurePage {
  value: unknown[];
  next?: string;
}

export interface OperationContext {
  keys: AzureKeyStore;
  scope: CallScope;
  vault: string;
  vaultUrl: string;
  /** Unix seconds. */
  now: number;
}

export interface Operation<I = unknown> {
  /** Validates the request and returns its input plus the audited (secret-free) parameters. */
  parse: (request: AzureRequest) => { input: I; parameters: Record<string, unknown> };
  run: (input: I, context: OperationContext) => unknown;
}

export const defineOperation = <I>(operation: Operation<I>): Operation => operation as Operation;

export function keyName(request: AzureRequest): string {
  if (request.name === undefined) throw badParameter('The request URI must name a key.');
  return checkKeyName(request.name);
}

/** The version from the path: empty for the current one, else 32 hex characters. */
export function keyVersion(request: AzureRequest): string {
  return request.version ?? '';
}

/** Page size: Key Vault's `maxresults` is 1 to 25 (default 25). */
export function pageSize(request: AzureRequest): number {
  const size = request.maxresults ?? 25;
  if (!Number.isInteger(size) || size < 1 || size > 25)
    throw badParameter(`maxresults must be an integer from 1 to 25; got ${request.maxresults}.`);
  return size;
}

/** Keyset paging: the token is the store name the previous page ended after. */
export function pageAfter(request: AzureRequest, vault: string): string | undefined {
  if (request.skiptoken === undefined) return undefined;
  const after = Buffer.from(request.skiptoken, 'base64url').toString('utf8');
  if (!after.startsWith(`${vault}/`)) throw badParameter('The $skiptoken is invalid for this vault.');
  return after;
}

export const pageToken = (next: string | undefined): string | undefined =>
  next === undefined ? undefined : Buffer.from(next, 'utf8').toString('base64url');
