import type { CallScope } from '../core/index.js';
import { invalidArgument } from './errors.js';
import type { GcpRequest } from './messages.js';
import type { GcpResources } from './resources.js';

/** What an operation runs with: the resources (inside the call's transaction) and its audit scope. */
export interface OperationContext {
  resources: GcpResources;
  scope: CallScope;
  now: Date;
}

export interface Operation {
  /** The request field holding the resource name the call is addressed to (for location and audit). */
  target: (request: GcpRequest) => unknown;
  run: (request: GcpRequest, context: OperationContext) => unknown;
}

/** Request fields that never hold secrets: the only ones an audit record keeps. */
const AUDITED_FIELDS = [
  'name',
  'parent',
  'location',
  'keyRingId',
  'cryptoKeyId',
  'cryptoKeyVersionId',
  'skipInitialVersionCreation',
  'pageSize',
  'pageToken',
  'filter',
  'orderBy',
  'updateMask',
  'lengthBytes',
  'protectionLevel',
  'cryptoKey',
  'cryptoKeyVersion',
] as const;

export function auditedParameters(request: GcpRequest): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const field of AUDITED_FIELDS) {
    const value = request[field];
    if (value !== undefined && value !== null && value !== '') parameters[field] = structuredClone(value);
  }
  return parameters;
}

/** A bytes field as a Buffer (empty when unset). */
export function readBytes(request: GcpRequest, field: string, wireName: string): Buffer {
  const value = request[field];
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw invalidArgument(`${wireName} must be bytes.`);
}

export function readMessage(request: GcpRequest, field: string): GcpRequest {
  const value = request[field];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgument(`${field} must be a message.`);
  return value as GcpRequest;
}

/** Update mask paths in snake_case (REST clients may send them camelCased). */
export function maskPaths(request: GcpRequest): string[] {
  const mask = readMessage(request, 'updateMask') as { paths?: unknown };
  const paths = Array.isArray(mask.paths) ? mask.paths : [];
  if (paths.length === 0) throw invalidArgument('update_mask is required and must name at least one field.');
  return paths.map((p) => String(p).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
}
