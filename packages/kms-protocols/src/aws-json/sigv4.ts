import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { REGION_NAME } from '@envelope/kms-emulator';
import { type HeaderBag, header, headerValues } from './codec.js';

/** What the verifier needs of an HTTP request. Header names are lower-case. */
export interface SignedRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/` or `/?a=b`. */
  readonly url: string;
  readonly headers: HeaderBag;
  readonly body: Buffer;
}

export interface AccessKey {
  readonly secretAccessKey: string;
  /** The principal the key acts as, e.g. `arn:aws:iam::111122223333:user/alice`. */
  readonly principal: string;
}

export type SigV4Result =
  | { readonly ok: true; readonly accessKeyId: string; readonly principal: string; readonly region: string }
  | { readonly ok: false; readonly errorType: string; readonly message: string };

/** Largest accepted clock difference between the signer and this server (AWS uses 15 minutes). */
const MAX_SKEW_MS = 15 * 60 * 1000;
const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/**
 * Verifies an AWS Signature Version 4 `Authorization` header against known access keys
 * (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html). Errors carry the AWS
 * error type a real endpoint answers with.
 */
export function verifySigV4(
  request: SignedRequest,
  keys: ReadonlyMap<string, AccessKey>,
  now: number = Date.now(),
): SigV4Result {
  const authorization = header(request.headers, 'authorization');
  const m = authorization ? AUTH.exec(authorization) : null;
  if (!m) {
    return fail(
      'MissingAuthenticationTokenException',
      'Request is missing a valid AWS Signature Version 4 Authorization header.',
    );
  }
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = m as unknown as string[];
  // The credential scope decides the region every key is resolved in, so it must be one.
  if (service !== 'kms') {
    return fail('InvalidSignatureException', "Credential should be scoped to correct service: 'kms'.");
  }
  if (!REGION_NAME.test(region!)) {
    return fail(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${region}'. Use a lower-case AWS Region name such as us-east-1.`,
    );
  }
  const key = keys.get(accessKeyId!);
  if (!key)
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');

  const amzDate = header(request.headers, 'x-amz-date') ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || !amzDate.startsWith(date!)) {
    return fail(
      'IncompleteSignatureException',
      'X-Amz-Date is missing or does not match the credential scope date.',
    );
  }
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    return fail(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - MAX_SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`,
    );
  }
  const signedHeaders = signedHeaderList!.split(';');
  if (!signedHeaders.includes('host')) {
    return fail('IncompleteSignatureException', "The 'host' header must be signed.");
  }
  // The target names the operation: unsigned, it could be swapped (Encrypt → ScheduleKeyDeletion).
  if (header(request.headers, 'x-amz-target') !== undefined && !signedHeaders.includes('x-amz-target')) {
    return fail('IncompleteSignatureException', "The 'x-amz-target' header must be signed.");
  }
  const scope = `${date}/${region}/${service}/aws4_request`;
  const expected = hmac(
    signingKey(key, date!, region!, service!),
    stringToSign(request, signedHeaders, amzDate, scope),
  );
  const given = Buffer.from(signature!, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  return { ok: true, accessKeyId: accessKeyId!, principal: key.principal, region: region! };
}

function stringToSign(
  request: SignedRequest,
  signedHeaders: string[],
  amzDate: string,
  scope: string,
): string {
  const [path = '/', query = ''] = request.url.split('?', 2);
  // A declared payload hash is signed, but only the body's real hash may stand in the request.
  const payloadHash = sha256(request.body);
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(query),
    signedHeaders
      .map((name) => `${name}:${canonicalHeaderValue(headerValues(request.headers, name))}\n`)
      .join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  return ['AWS4-HMAC-SHA256', amzDate, scope, sha256(Buffer.from(canonicalRequest, 'utf8'))].join('\n');
}

/**
 * Signing keys derived per access key and scope (date/region/service), as the AWS SDKs cache them on
 * the signer's side: four HMACs saved on every request after the first of the day. Held beside the
 * AccessKey object itself (a WeakMap, so nothing outlives the server's key map), a few scopes each.
 */
const signingKeys = new WeakMap<AccessKey, Map<string, Buffer>>();
const MAX_SCOPES_PER_KEY = 8;

function signingKey(key: AccessKey, date: string, region: string, service: string): Buffer {
  const scope = `${date}/${region}/${service}`;
  let scopes = signingKeys.get(key);
  if (!scopes) signingKeys.set(key, (scopes = new Map()));
  let derived = scopes.get(scope);
  if (!derived) {
    derived = hmac(Buffer.from(`AWS4${key.secretAccessKey}`, 'utf8'), date);
    for (const part of [region, service, 'aws4_request']) derived = hmac(derived, part);
    if (scopes.size >= MAX_SCOPES_PER_KEY) scopes.clear();
    scopes.set(scope, derived);
  }
  return derived;
}

function canonicalPath(path: string): string {
  // Non-S3 services encode each segment of the (already encoded) path once more.
  return path
    .split('/')
    .map((segment) => rfc3986(segment))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const [k = '', v = ''] = pair.split('=', 2);
      return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v))] as const;
    })
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined.trim().replace(/\s+/g, ' ');
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function fail(errorType: string, message: string): SigV4Result {
  return { ok: false, errorType, message };
}
