import { KmsError, REQUEST_SHAPES, setOwnMember } from '@envelope/kms-emulator';
import { parseJsonObject, requireBodyWithinLimit } from './json-body.js';

/**
 * AWS JSON 1.1 codec for KMS ("TrentService"), pure functions behind the one dispatch that the
 * in-process transport and the server's endpoint share: X-Amz-Target → operation, JSON bodies with base64 blobs and epoch-second
 * timestamps, and errors as `{"__type": …, "message": …}` with AWS's status code.
 */
export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const KMS_TARGET_PREFIX = 'TrentService.';

/**
 * Top-level request members that are Smithy blobs (base64 in JSON), read off the engine's request
 * shapes so a new blob member needs no second list here. Responses need no list: every Uint8Array is one.
 */
export const BLOB_MEMBERS: ReadonlySet<string> = new Set(
  Object.values(REQUEST_SHAPES).flatMap((shape) =>
    Object.entries(shape)
      .filter(([, member]) => member === 'blob')
      .map(([name]) => name),
  ),
);

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** The first value of a header, whatever the case of its name (SDK requests keep the case they set). */
export function header(headers: HeaderBag, name: string): string | undefined {
  const value = headerValues(headers, name);
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a header, whatever the case of its name. */
export function headerValues(headers: HeaderBag, name: string): string | string[] | undefined {
  const wanted = name.toLowerCase();
  // Node's server lower-cases every name: look it up before scanning for another spelling.
  const exact = Object.hasOwn(headers, wanted) ? headers[wanted] : undefined;
  if (exact !== undefined) return exact;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted) return v;
  }
  return undefined;
}

/** `TrentService.Encrypt` → `Encrypt`; anything else is UnknownOperationException. */
export function operationFromTarget(target: string | undefined): string {
  if (!target?.startsWith(KMS_TARGET_PREFIX) || target.length === KMS_TARGET_PREFIX.length) {
    throw new KmsError(
      'UnknownOperationException',
      `Unknown operation ${target ?? '(missing X-Amz-Target)'}; expected POST / with X-Amz-Target: TrentService.<Operation>`,
    );
  }
  return target.slice(KMS_TARGET_PREFIX.length);
}

/**
 * Parses a request body into a prototype-free object; top-level blob members become Buffers. Bad
 * JSON, bad base64, a body over 1 MiB or nested deeper than 32 levels (`json-body.ts`) →
 * SerializationException. The engine drops members the operation does not define.
 */
export function decodeRequestBody(body: string | Uint8Array | undefined): Record<string, unknown> {
  requireBodyWithinLimit(typeof body === 'string' ? Buffer.byteLength(body) : (body?.byteLength ?? 0));
  // Views the bytes directly: SDK bodies may be Uint8Array subclasses whose valueOf() is a string.
  const text =
    typeof body === 'string'
      ? body
      : body
        ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
        : '';
  if (text.trim() === '') return Object.create(null) as Record<string, unknown>;
  const input = parseJsonObject(text);
  for (const member of Object.keys(input)) {
    const value = input[member];
    if (BLOB_MEMBERS.has(member) && typeof value === 'string') input[member] = decodeBase64(member, value);
  }
  return input;
}

function decodeBase64(member: string, value: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 === 1) {
    throw new KmsError('SerializationException', `Member '${member}' is not valid base64`);
  }
  return Buffer.from(value, 'base64');
}

/** JSON for a response: blobs → base64, Dates → epoch seconds (numbers), recursively. */
export function encodeResponseBody(output: Readonly<Record<string, unknown>>): string {
  // Converted first, then stringified with no replacer: with one, JSON.stringify still calls each
  // Buffer's toJSON (an array of every byte as a number) before the replacer can see the raw value.
  return JSON.stringify(wireValue(output));
}

function wireValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(wireValue);
  // A plain object, which JSON.stringify walks faster than a prototype-free one (V8 keeps those as
  // dictionaries), with a member named `__proto__` (an encryption context key) kept a member.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    setOwnMember(out, key, wireValue((value as Record<string, unknown>)[key]));
  }
  return out;
}

export interface EncodedError {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Any thrown value → AWS error body. Non-KMS errors become a 500 KMSInternalException without detail. */
export function encodeError(error: unknown): EncodedError {
  const err =
    error instanceof KmsError ? error : new KmsError('KMSInternalException', 'An internal error occurred');
  return encodeNamedError(err.httpStatus, err.exceptionName, err.message);
}

/** An AWS error body for an exception the protocol names itself (signature checks, server refusals). */
export function encodeNamedError(statusCode: number, exceptionName: string, message: string): EncodedError {
  return {
    statusCode,
    headers: { 'content-type': AWS_JSON_CONTENT_TYPE, 'x-amzn-errortype': exceptionName },
    body: JSON.stringify({ __type: exceptionName, message }),
  };
}

/** What an unverified request's SigV4 `Authorization` header names: its access key id and scope region. */
export interface CredentialScope {
  readonly accessKeyId: string | undefined;
  readonly region: string | undefined;
}

/**
 * The access key id and region of the credential scope (`Credential=AKID/20240101/us-east-1/kms/aws4_request`),
 * read with one regular expression when the first `Credential=` holds a whole scope (as every SDK's
 * does), else each on its own: the key id from the first `Credential=<id>/`, the region from the first
 * whole scope, or the Host (`kms.<region>.amazonaws.com`).
 */
export function credentialScope(headers: HeaderBag): CredentialScope {
  const authorization = header(headers, 'authorization') ?? '';
  const scope = /Credential=([^/,\s]+)\/\d{8}\/([a-z0-9-]+)\/kms\//.exec(authorization);
  if (scope && scope.index === authorization.indexOf('Credential=')) {
    return { accessKeyId: scope[1], region: scope[2] };
  }
  return {
    accessKeyId: /Credential=([^/,\s]+)\//.exec(authorization)?.[1],
    region: scope
      ? scope[2]
      : /^kms(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(header(headers, 'host') ?? '')?.[1],
  };
}

/** Region from the SigV4 credential scope (`Credential=AKID/20240101/us-east-1/kms/aws4_request`), else the Host. */
export function regionFromRequest(headers: HeaderBag): string | undefined {
  return credentialScope(headers).region;
}

export function accessKeyIdFromRequest(headers: HeaderBag): string | undefined {
  return credentialScope(headers).accessKeyId;
}
