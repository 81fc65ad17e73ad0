import { GcpKmsError, type GcpKmsService, LocationUnavailableError } from '@envelope/kms-emulator';
import { fromProto3JSON, type JSONObject, toProto3JSON } from 'proto3-json-serializer';
import type protobuf from 'protobufjs';
import { OBJECT_OPTIONS } from '../gcp-protos/definitions.js';
import { wipeGcpRequestSecrets, wipeGcpSecrets } from '../gcp-protos/secret-fields.js';
import { matchRule } from './http-rules.js';

export interface GcpRestRequest {
  method: string;
  /** Path and query, e.g. `/v1/projects/p/locations/l/keyRings?pageSize=5&$alt=json;enum-encoding=int`. */
  url: string;
  body?: Uint8Array | string;
  /** The transport's id for the request (its log line's); the audit record carries it. */
  requestId?: string;
}

export interface GcpRestResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' };

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Sets a dotted (snake_case or camelCase) field path in a proto3 JSON object. */
function setPath(target: JSONObject, path: string, value: unknown): void {
  const parts = path.split('.').map(camel);
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node = (
      next && typeof next === 'object' && !Array.isArray(next) ? next : (node[part] = {})
    ) as JSONObject;
  }
  node[parts.at(-1) as string] = value as JSONObject;
}

/** Google's JSON error body for a status. */
export function errorResponse(error: GcpKmsError): GcpRestResponse {
  return {
    status: error.httpStatus,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify({ error: { code: error.httpStatus, message: error.message, status: error.status } }),
  };
}

const invalid = (message: string): GcpKmsError => new GcpKmsError('INVALID_ARGUMENT', message);

function parseBody(body: GcpRestRequest['body']): JSONObject {
  const text = body === undefined ? '' : typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('Invalid JSON payload received: the body is not valid JSON.');
  }
  // A body field the client left unset arrives as JSON null or "" (google-gax sends the latter).
  if (parsed === null || parsed === '') return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalid('Invalid JSON payload received: the body must be a JSON object.');
  return parsed as JSONObject;
}

/** `$alt=json;enum-encoding=int` (the Node client) asks for numeric enums; `alt=json` (gcloud) for names. */
function wantsNumericEnums(search: URLSearchParams): boolean {
  const alt = search.get('$alt') ?? search.get('alt') ?? '';
  return /enum-encoding=int/.test(alt);
}

/** Refuses names the message does not define, as Google does ("Unknown name"), instead of dropping them. */
function checkKnownFields(type: protobuf.Type, json: unknown, path: string): void {
  if (
    !json ||
    typeof json !== 'object' ||
    Array.isArray(json) ||
    type.fullName.startsWith('.google.protobuf.')
  )
    return;
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields[key] ?? type.fields[camel(key)];
    if (!field)
      throw invalid(
        `Invalid JSON payload received. Unknown name "${key.slice(0, 100)}" at '${path || type.name}': Cannot find field.`,
      );
    const inner = field.resolvedType;
    if (field.map || !inner || !('fields' in inner)) continue;
    for (const item of Array.isArray(value) ? value : [value])
      checkKnownFields(inner as protobuf.Type, item, `${path}${path ? '.' : ''}${key}`);
  }
}

function decodeRequest(type: protobuf.Type, json: JSONObject): Record<string, unknown> {
  checkKnownFields(type, json, '');
  try {
    const message = fromProto3JSON(type, json);
    if (!message) throw new Error('empty message');
    return type.toObject(message, OBJECT_OPTIONS);
  } catch (cause) {
    throw new GcpKmsError(
      'INVALID_ARGUMENT',
      `Invalid JSON payload received: ${(cause as Error).message}`.slice(0, 500),
      { cause },
    );
  }
}

/**
 * Cloud KMS's REST transcoding (google.api.http bindings from the shipped definitions) over the
 * service model: proto3 JSON in and out, bytes base64 in either alphabet, int64 as strings, enums
 * as numbers or names as the request asks, Google's JSON error body. Throws
 * `LocationUnavailableError` for a location that is down, for the transport to drop the connection.
 */
export async function dispatchGcpRest(
  service: GcpKmsService,
  request: GcpRestRequest,
): Promise<GcpRestResponse> {
  const url = new URL(request.url, 'http://localhost');
  const verb = request.method.toUpperCase();
  try {
    const matched = matchRule(verb, url.pathname);
    if (!matched)
      throw new GcpKmsError(
        'NOT_FOUND',
        `No Cloud KMS method matches ${verb} ${url.pathname.slice(0, 300)}.`,
      );
    const { rule, values } = matched;
    const json: JSONObject = {};
    if (rule.body === '*') Object.assign(json, parseBody(request.body));
    else if (rule.body) json[camel(rule.body)] = parseBody(request.body);
    for (const [key, value] of url.searchParams) {
      if (key === '$alt' || key === 'alt' || key === 'prettyPrint' || key.startsWith('$')) continue;
      setPath(json, key, value);
    }
    for (const [i, field] of rule.variables.entries()) setPath(json, field, values[i]);
    const requestType = rule.rpc.resolvedRequestType as protobuf.Type;
    const responseType = rule.rpc.resolvedResponseType as protobuf.Type;
    const decoded = decodeRequest(requestType, json);
    let result: unknown;
    try {
      result = await service.invoke(
        rule.method,
        decoded,
        request.requestId ? { requestId: request.requestId } : {},
      );
    } finally {
      wipeGcpRequestSecrets(decoded);
    }
    let body: string;
    try {
      const encoded = toProto3JSON(responseType.fromObject(result as Record<string, unknown>), {
        numericEnums: wantsNumericEnums(url.searchParams),
      });
      body = JSON.stringify(encoded);
    } finally {
      wipeGcpSecrets(result);
    }
    return { status: 200, headers: { ...JSON_HEADERS }, body };
  } catch (error) {
    if (error instanceof LocationUnavailableError) throw error;
    if (error instanceof GcpKmsError) return errorResponse(error);
    return errorResponse(new GcpKmsError('INTERNAL', 'Internal error.', { cause: error }));
  }
}
