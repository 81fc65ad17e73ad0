import { KmsError, kmsError } from '../aws/errors.js';
import { parseJsonObject, requireBodyWithinLimit } from './json-body.js';

/**
 * AWS JSON 1.1 codec for KMS ("TrentService"), pure functions shared by the in-process transport and
 * the HTTP server: X-Amz-Target → operation, JSON bodies with base64 blobs and epoch-second
 * timestamps, and errors as `{"__type": …, "message": …}` with AWS's status code.
 */
export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const KMS_TARGET_PREFIX = 'TrentService.';

/** Request and response members that are Smithy blobs (base64 in JSON). */
export const BLOB_MEMBERS: ReadonlySet<string> = new Set([
  'Plaintext',
  'CiphertextBlob',
  'Message',
  'Signature',
  'Mac',
  'PublicKey',
  'PrivateKeyPlaintext',
  'PrivateKeyCiphertextBlob',
  'CiphertextForRecipient',
  'ImportToken',
  'EncryptedKeyMaterial',
]);

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export function header(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/** `TrentService.Encrypt` → `Encrypt`; anything else is UnknownOperationException. */
export function operationFromTarget(target: string | undefined): string {
  if (!target?.startsWith(KMS_TARGET_PREFIX) || target.length === KMS_TARGET_PREFIX.length) {
    throw kmsError('UnknownOperationException', `Unknown operation ${target ?? '(missing X-Amz-Target)'}`);
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
    throw kmsError('SerializationException', `Member '${member}' is not valid base64`);
  }
  return Buffer.from(value, 'base64');
}

/** JSON for a response: blobs → base64, Dates → epoch seconds (numbers), recursively. */
export function encodeResponseBody(output: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(output, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    if (raw instanceof Date) return raw.getTime() / 1000;
    if (raw instanceof Uint8Array)
      return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
    return value;
  });
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
  return {
    statusCode: err.httpStatus,
    headers: { 'content-type': AWS_JSON_CONTENT_TYPE, 'x-amzn-errortype': err.exceptionName },
    body: JSON.stringify({ __type: err.exceptionName, message: err.message }),
  };
}

/** Region from the SigV4 credential scope (`Credential=AKID/20240101/us-east-1/kms/aws4_request`), else the Host. */
export function regionFromRequest(headers: HeaderBag): string | undefined {
  const scope = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/kms\//.exec(
    header(headers, 'authorization') ?? '',
  );
  if (scope) return scope[1];
  return /^kms(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(header(headers, 'host') ?? '')?.[1];
}

export function accessKeyIdFromRequest(headers: HeaderBag): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(header(headers, 'authorization') ?? '')?.[1];
}
