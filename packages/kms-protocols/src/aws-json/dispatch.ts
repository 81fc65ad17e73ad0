import { randomUUID } from 'node:crypto';
import { type KmsEngine, LocationUnavailableError } from '@envelope/kms-emulator';
import { zeroFillMembers } from '../zero-fill-members.js';
import { type AwsCallerOptions, awsCaller } from './caller.js';
import {
  AWS_JSON_CONTENT_TYPE,
  decodeRequestBody,
  encodeError,
  encodeResponseBody,
  type HeaderBag,
  header,
  operationFromTarget,
} from './codec.js';

export type AwsJsonDispatchOptions = AwsCallerOptions;

export interface AwsJsonHttpRequest {
  /** Default `POST`; any other method is UnknownOperationException. */
  method?: string;
  /** Path and query, for SigV4 verification; default `/`. */
  url?: string;
  headers: HeaderBag;
  body: string | Uint8Array | undefined;
  /** The id answered in `x-amzn-requestid` and written to the audit log; default a new UUID. */
  requestId?: string;
}

export interface AwsJsonHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One AWS JSON 1.1 request against the engine, the only dispatch there is: the in-process SDK
 * transport and the server's endpoint both call it. Always resolves with an HTTP response, except
 * when the region is marked down: then `LocationUnavailableError` propagates so the transport can fail
 * the connection itself.
 */
export async function dispatchAwsJson(
  engine: KmsEngine,
  request: AwsJsonHttpRequest,
  options: AwsJsonDispatchOptions = {},
): Promise<AwsJsonHttpResponse> {
  const requestId = request.requestId ?? randomUUID();
  const body = bodyBytes(request.body);
  const caller = awsCaller(engine, { ...request, body }, options);
  if (!('region' in caller)) return withRequestId(caller, requestId);
  engine.faults.checkConnection(caller.region);
  let input: Record<string, unknown> | undefined;
  try {
    const target = header(request.headers, 'x-amz-target');
    const operation = operationFromTarget((request.method ?? 'POST') === 'POST' ? target : undefined);
    input = decodeRequestBody(body);
    const output = await engine.execute(operation, input, { ...caller, requestId });
    let encoded: string;
    try {
      encoded = encodeResponseBody(output);
    } finally {
      zeroFillMembers(output, SECRET_MEMBERS);
    }
    return {
      statusCode: 200,
      headers: { 'content-type': AWS_JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId },
      body: Buffer.from(encoded, 'utf8'),
    };
  } catch (error) {
    if (error instanceof LocationUnavailableError) throw error;
    return withRequestId(encodeError(error), requestId);
  } finally {
    // The decoded request's plaintext (Encrypt's) is ours alone: used up once the call is answered.
    zeroFillMembers(input, SECRET_REQUEST_MEMBERS);
  }
}

/** Response members holding key material or plaintext (data keys, private keys, shared secrets). */
const SECRET_MEMBERS = ['Plaintext', 'PrivateKeyPlaintext', 'SharedSecret'] as const;

/** Request members holding plaintext: decoded from base64 into buffers only the call uses. */
const SECRET_REQUEST_MEMBERS = ['Plaintext'] as const;

function withRequestId(
  encoded: { statusCode: number; headers: Record<string, string>; body: string },
  requestId: string,
): AwsJsonHttpResponse {
  return {
    statusCode: encoded.statusCode,
    headers: { ...encoded.headers, 'x-amzn-requestid': requestId },
    body: Buffer.from(encoded.body),
  };
}

/** Views the bytes directly: SDK bodies may be Uint8Array subclasses whose valueOf() is a string. */
function bodyBytes(body: string | Uint8Array | undefined): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (!body) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body; // the server's: a Buffer already, no view needed
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
