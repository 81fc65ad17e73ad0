import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AccessKey, credentialAccessKeyId, credentialScopeRegion, verifySigV4 } from '../auth/sigv4.js';
import { BodyTooLargeError, readBody } from './read-body.js';

/** One AWS JSON 1.1 call, already authenticated. */
export interface KmsCall {
  /** The operation, from `X-Amz-Target: TrentService.<Operation>`. */
  readonly operation: string;
  readonly body: Buffer;
  readonly region: string;
  readonly principal: string;
  readonly requestId: string;
}

export interface KmsReply {
  readonly status: number;
  readonly body: Buffer | string;
  /** The AWS error type, for logs and the `x-amzn-errortype` header. */
  readonly errorType?: string;
}

/**
 * Thrown by a handler to fail the connection instead of answering (a region marked down): the client
 * sees a reset socket, as during a real outage, and the SDK retries it as a transient network error.
 */
export class DropConnectionError extends Error {
  override readonly name = 'DropConnectionError';
}

/** Serves one call; the emulator's protocol codec provides it. */
export type KmsCallHandler = (call: KmsCall) => Promise<KmsReply>;

export type LogRecord = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; msg: string };

export interface KmsHttpServerOptions {
  readonly handle: KmsCallHandler;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 4599; 0 picks a free port. */
  readonly port?: number;
  /** Region for requests whose signature names none. */
  readonly defaultRegion: string;
  /** Principal for unsigned requests and unknown access keys when verification is off. */
  readonly defaultPrincipal: string;
  /** When set, every request must carry a valid SigV4 signature by one of these keys. */
  readonly accessKeys?: ReadonlyMap<string, AccessKey>;
  /** Principals for known access keys when verification is off (no signature check). */
  readonly principals?: ReadonlyMap<string, string>;
  /** Extra routes (health, admin) tried before the KMS protocol; return true when handled. */
  readonly routes?: (
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
  ) => Promise<boolean> | boolean;
  readonly log?: (record: LogRecord) => void;
  readonly maxBodyBytes?: number;
}

export const DEFAULT_PORT = 4599;
const TARGET_PREFIX = 'TrentService.';

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/** An HTTP server speaking the AWS KMS JSON 1.1 protocol (`POST /`, `X-Amz-Target`). */
export async function startKmsHttpServer(options: KmsHttpServerOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  let inFlight = 0;
  let draining: (() => void) | undefined;

  const server = createServer((request, response) => {
    inFlight++;
    const started = performance.now();
    const requestId = randomUUID();
    response.setHeader('x-amzn-requestid', requestId);
    let dropped = false;
    serve(request, response, requestId)
      .catch((error: unknown) => {
        if (error instanceof DropConnectionError) {
          log({ level: 'warn', msg: 'connection dropped', requestId, reason: error.message });
          dropped = true;
          request.socket.destroy();
          return;
        }
        log({ level: 'error', msg: 'request failed', requestId, error: (error as Error).message });
        if (!response.headersSent) {
          reply(response, 500, awsError('KMSInternalException', 'Internal error.'), 'KMSInternalException');
        } else response.destroy();
      })
      .finally(() => {
        log({
          level: 'info',
          msg: 'request',
          requestId,
          method: request.method,
          target: request.headers['x-amz-target'],
          status: dropped ? null : response.statusCode,
          ms: Math.round((performance.now() - started) * 100) / 100,
        });
        if (--inFlight === 0) draining?.();
      });
  });
  server.keepAliveTimeout = 5000;

  async function serve(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(request, maxBody);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return reply(response, 413, awsError('ValidationException', error.message), 'ValidationException');
      throw error;
    }
    if (options.routes && (await options.routes(request, response, body))) return;
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
      return reply(
        response,
        400,
        awsError('UnknownOperationException', 'Expected POST / with X-Amz-Target: TrentService.<Operation>.'),
        'UnknownOperationException',
      );
    }
    const caller = authenticate(request, body);
    if (!caller.ok)
      return reply(response, caller.status, awsError(caller.errorType, caller.message), caller.errorType);
    const result = await options.handle({
      operation: target.slice(TARGET_PREFIX.length),
      body,
      region: caller.region,
      principal: caller.principal,
      requestId,
    });
    reply(response, result.status, result.body, result.errorType);
  }

  function authenticate(request: IncomingMessage, body: Buffer) {
    const signed = {
      method: request.method ?? 'POST',
      url: request.url ?? '/',
      headers: request.headers,
      body,
    };
    if (options.accessKeys) {
      const result = verifySigV4(signed, options.accessKeys);
      if (!result.ok)
        return { ok: false as const, status: 400, errorType: result.errorType, message: result.message };
      return { ok: true as const, region: result.region, principal: result.principal };
    }
    const accessKeyId = credentialAccessKeyId(signed);
    return {
      ok: true as const,
      region: credentialScopeRegion(signed) ?? options.defaultRegion,
      principal: (accessKeyId && options.principals?.get(accessKeyId)) || options.defaultPrincipal,
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  log({ level: 'info', msg: 'listening', url: `http://${host}:${port}` });

  return {
    server,
    port,
    url: `http://${host}:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (draining = resolve));
      server.closeAllConnections();
      await closed;
      log({ level: 'info', msg: 'stopped' });
    },
  };
}

function reply(response: ServerResponse, status: number, body: Buffer | string, errorType?: string): void {
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(body),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(body);
}

export function awsError(type: string, message: string): string {
  return JSON.stringify({ __type: type, message });
}
