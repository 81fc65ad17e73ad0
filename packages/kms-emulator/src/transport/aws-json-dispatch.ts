import { randomUUID } from 'node:crypto';
import type { KmsEngine } from '../aws/engine.js';
import { accountRoot } from '../aws/ids.js';
import { LocationUnavailableError } from '../core/index.js';
import {
  AWS_JSON_CONTENT_TYPE,
  accessKeyIdFromRequest,
  decodeRequestBody,
  encodeError,
  encodeResponseBody,
  type HeaderBag,
  header,
  operationFromTarget,
  regionFromRequest,
} from './aws-json-protocol.js';

export interface AwsJsonDispatchOptions {
  /** Access key id → principal ARN. Unknown keys act as the default account's root. */
  principals?: Readonly<Record<string, string>>;
  /** Region when neither the SigV4 scope nor the Host names one (default `us-east-1`). */
  defaultRegion?: string;
}

export interface AwsJsonHttpRequest {
  headers: HeaderBag;
  body: string | Uint8Array | undefined;
}

export interface AwsJsonHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One AWS JSON 1.1 request against the engine. Always resolves with an HTTP response, except when
 * the region is marked down: then `LocationUnavailableError` propagates so the transport can fail
 * the connection itself.
 */
export async function dispatchAwsJson(
  engine: KmsEngine,
  request: AwsJsonHttpRequest,
  options: AwsJsonDispatchOptions = {},
): Promise<AwsJsonHttpResponse> {
  const requestId = randomUUID();
  const region = regionFromRequest(request.headers) ?? options.defaultRegion ?? 'us-east-1';
  const accessKeyId = accessKeyIdFromRequest(request.headers);
  const principal =
    (accessKeyId && options.principals?.[accessKeyId]) || accountRoot(engine.defaultAccountId);
  const accountId = /::(\d{12}):/.exec(principal)?.[1] ?? engine.defaultAccountId;
  engine.faults.checkConnection(region);
  try {
    const operation = operationFromTarget(header(request.headers, 'x-amz-target'));
    const input = decodeRequestBody(request.body);
    const output = await engine.execute(operation, input, { region, principal, accountId, requestId });
    return {
      statusCode: 200,
      headers: { 'content-type': AWS_JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId },
      body: Buffer.from(encodeResponseBody(output), 'utf8'),
    };
  } catch (error) {
    if (error instanceof LocationUnavailableError) throw error;
    const encoded = encodeError(error);
    return {
      ...encoded,
      headers: { ...encoded.headers, 'x-amzn-requestid': requestId },
      body: Buffer.from(encoded.body),
    };
  }
}
