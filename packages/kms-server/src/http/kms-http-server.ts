import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type AccessKey, credentialAccessKeyId, credentialScopeRegion, verifySigV4 } from '../auth/sigv4.js';
import { ByteBudget } from './byte-budget.js';
import { HostAllowList } from './host-check.js';
import { BodyBudgetExceededError, BodyTooLargeError, readBody } from './read-body.js';

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
  /** Unauthenticated routes (health) tried before the body is read; return true when handled. */
  readonly probes?: (request: IncomingMessage, response: ServerResponse) => boolean;
  /** Admin routes, tried after authentication and before the KMS protocol; true when handled. */
  readonly routes?: (
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
  ) => Promise<boolean> | boolean;
  /** Host names accepted (DNS-rebinding defence); default: IP literals, `localhost`, the listen host. */
  readonly hosts?: HostAllowList;
  readonly log?: (record: LogRecord) => void;
  readonly limits?: Partial<KmsServerLimits>;
}

/** Resource limits; every refusal is an AWS-shaped error (docs/kms-server.md, "Limits"). */
export interface KmsServerLimits {
  /** Largest request body in bytes (413 beyond). */
  readonly maxBodyBytes: number;
  /** Open connections; one more is answered 503 and closed. */
  readonly maxConnections: number;
  /** Request-body bytes held in memory across all connections; a request crossing it gets 503. */
  readonly maxPendingBodyBytes: number;
  /** Time for a client to send the request headers. */
  readonly headersTimeoutMs: number;
  /** Time for a client to send a whole request (headers and body). */
  readonly requestTimeoutMs: number;
  /** On close, how long in-flight requests may run before their connections are cut. */
  readonly drainTimeoutMs: number;
}

export const DEFAULT_LIMITS: KmsServerLimits = {
  maxBodyBytes: 1024 * 1024,
  maxConnections: 10_000,
  maxPendingBodyBytes: 64 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  drainTimeoutMs: 10_000,
};

export const DEFAULT_PORT = 4599;
const TARGET_PREFIX = 'TrentService.';

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting connections and lets in-flight requests finish, for at most `drainTimeoutMs`;
   * then cuts the connections still open and resolves.
   */
  close(): Promise<void>;
}

/** An HTTP server speaking the AWS KMS JSON 1.1 protocol (`POST /`, `X-Amz-Target`). */
export async function startKmsHttpServer(options: KmsHttpServerOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const limits: KmsServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const listenHost = options.host ?? '127.0.0.1';
  const hosts = options.hosts ?? new HostAllowList(listenHost);
  const budget = new ByteBudget(limits.maxPendingBodyBytes);
  let inFlight = 0;
  let draining: (() => void) | undefined;
  let connections = 0;
  const refused = new WeakSet<Socket>();

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node looks for connections past those timeouts (its default is 30 s).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (request, response) => {
      if (refused.has(request.socket)) return void request.socket.destroy();
      inFlight++;
      const started = performance.now();
      const requestId = randomUUID();
      response.setHeader('x-amzn-requestid', requestId);
      let outcome: 'answered' | 'dropped' | 'aborted' = 'answered';
      serve(request, response, requestId)
        .catch((error: unknown) => {
          if (error instanceof DropConnectionError) {
            log({ level: 'warn', msg: 'connection dropped', requestId, reason: error.message });
            outcome = 'dropped';
            request.socket.destroy();
            return;
          }
          // The client went away (reset, closed mid-body): nobody is left to answer.
          if (request.socket.destroyed && !response.writableEnded) {
            outcome = 'aborted';
            return;
          }
          log({ level: 'error', msg: 'request failed', requestId, error: (error as Error).message });
          if (!response.headersSent) {
            reply(response, 500, awsError('KMSInternalException', 'Internal error.'), 'KMSInternalException');
          } else response.destroy();
        })
        .finally(() => {
          if (outcome === 'answered' && !response.writableEnded && request.socket.destroyed)
            outcome = 'aborted';
          log({
            level: 'info',
            msg: outcome === 'aborted' ? 'request aborted by client' : 'request',
            requestId,
            method: request.method,
            target: request.headers['x-amz-target'],
            status: outcome === 'answered' ? response.statusCode : null,
            ms: Math.round((performance.now() - started) * 100) / 100,
          });
          if (--inFlight === 0) draining?.();
        });
    },
  );
  server.keepAliveTimeout = 5000;
  // Runs before Node's HTTP parser takes the socket: one connection over the limit is answered
  // 503 (AWS-shaped, so SDKs retry it) and closed, and its requests are never served.
  server.prependListener('connection', (socket: Socket) => {
    if (connections >= limits.maxConnections) {
      refused.add(socket);
      socket.on('error', () => {});
      const body = awsError(
        'ServiceUnavailableException',
        `The server has its limit of ${limits.maxConnections} open connections; retry later.`,
      );
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/x-amz-json-1.1\r\n` +
          `x-amzn-errortype: ServiceUnavailableException\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `connection: close\r\n\r\n${body}`,
      );
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    connections++;
    socket.once('close', () => connections--);
  });

  async function serve(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
    if (!hosts.allowsHost(request.headers.host)) {
      return reply(
        response,
        403,
        awsError(
          'AccessDeniedException',
          `Host header ${JSON.stringify(request.headers.host ?? '')} does not name this server. Use an IP ` +
            `address or one of: ${hosts.names.join(', ')}; allow another name with --allow-host <name>.`,
        ),
        'AccessDeniedException',
      );
    }
    if (options.probes?.(request, response)) return;
    let read: Awaited<ReturnType<typeof readBody>>;
    try {
      read = await readBody(request, limits.maxBodyBytes, budget);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return reply(response, 413, awsError('ValidationException', error.message), 'ValidationException');
      if (error instanceof BodyBudgetExceededError) {
        response.setHeader('connection', 'close'); // the rest of the body is not read
        return reply(
          response,
          503,
          awsError('ServiceUnavailableException', error.message),
          'ServiceUnavailableException',
        );
      }
      throw error;
    }
    try {
      await dispatch(request, response, requestId, read.body);
    } finally {
      read.release();
    }
  }

  async function dispatch(
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    body: Buffer,
  ): Promise<void> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const isKmsCall = request.method === 'POST' && target.startsWith(TARGET_PREFIX);
    // With access keys, everything but the probes (admin API included) needs a valid signature.
    const caller = options.accessKeys || isKmsCall ? authenticate(request, body) : undefined;
    if (caller && !caller.ok)
      return reply(response, caller.status, awsError(caller.errorType, caller.message), caller.errorType);
    if (options.routes && (await options.routes(request, response, body))) return;
    if (!isKmsCall || !caller) {
      return reply(
        response,
        400,
        awsError('UnknownOperationException', 'Expected POST / with X-Amz-Target: TrentService.<Operation>.'),
        'UnknownOperationException',
      );
    }
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
    server.listen(options.port ?? DEFAULT_PORT, listenHost, () => resolve());
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
      if (inFlight > 0) {
        const drained = new Promise<boolean>((resolve) => (draining = () => resolve(true)));
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), limits.drainTimeoutMs);
        });
        const finished = await Promise.race([drained, deadline]);
        clearTimeout(timer);
        if (!finished) {
          log({
            level: 'warn',
            msg: 'drain deadline reached; closing connections with requests still in flight',
            inFlight,
            drainTimeoutMs: limits.drainTimeoutMs,
          });
        }
      }
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
