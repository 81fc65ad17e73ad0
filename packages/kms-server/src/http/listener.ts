import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import {
  DropConnectionError,
  type ListenerRefusal,
  type ProtocolEndpoint,
  type ProtocolReply,
} from '@envelope/kms-protocols/endpoint';
import type { AdminRoutes } from '../admin/admin-routes.js';
import { ByteBudget } from './byte-budget.js';
import { HostAllowList } from './host-check.js';
import { BodyBudgetExceededError, BodyTooLargeError, readBody } from './read-body.js';
import { ReplyBatch } from './reply-batch.js';
import type { RequestLog } from './request-log.js';

export type LogRecord = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; msg: string };

export interface ListenerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Unauthenticated routes (health) tried before the body is read; return true when handled. */
  readonly probes?: (request: IncomingMessage, response: ServerResponse) => boolean;
  /** The admin API, served after the endpoint admits the caller and before the protocol. */
  readonly admin?: AdminRoutes;
  /** Host names accepted (DNS-rebinding defence); default: IP literals, `localhost`, the listen host. */
  readonly hosts?: HostAllowList;
  readonly log?: (record: LogRecord) => void;
  /** Adds the engine call's region, operation, key and error code to each request line. */
  readonly requestLog?: RequestLog;
  readonly limits?: Partial<KmsServerLimits>;
  /** Told of every request once it ends: endpoint name, status sent (null: none), milliseconds (metrics). */
  readonly observe?: (endpoint: string, status: number | null, ms: number) => void;
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

export interface RunningListener {
  /** The endpoint's name. */
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting connections and lets in-flight requests finish, for at most `drainTimeoutMs`;
   * then cuts the connections still open and resolves.
   */
  close(): Promise<void>;
}

/**
 * One protocol endpoint on its own port: Host check, connection/body/time limits, health probe, the
 * admin API behind the endpoint's own authentication, drain on close. Everything protocol-shaped
 * (answers, refusals, authentication) comes from the endpoint.
 */
export async function startListener(
  endpoint: ProtocolEndpoint,
  options: ListenerOptions,
): Promise<RunningListener> {
  const log = options.log ?? (() => {});
  const limits: KmsServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const listenHost = options.host ?? '127.0.0.1';
  const hosts = options.hosts ?? new HostAllowList(listenHost);
  const budget = new ByteBudget(limits.maxPendingBodyBytes);
  const replies = new ReplyBatch(send);
  let inFlight = 0;
  let draining: (() => void) | undefined;
  let connections = 0;
  const refused = new WeakSet<Socket>();

  type Outcome = 'answered' | 'dropped' | 'aborted';
  // The per-request steps are functions of the listener, not closures made per request: under a
  // loader that keeps function names (tsx), each named closure also costs a property definition.
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    if (refused.has(request.socket)) return void request.socket.destroy();
    inFlight++;
    const started = performance.now();
    const requestId = randomUUID();
    options.requestLog?.open(requestId);
    // One `then` for both endings rather than catch + finally: a promise fewer per request.
    serve(request, response, requestId).then(
      () => finish(request, response, requestId, started, 'answered'),
      (error: unknown) => {
        let outcome: Outcome = 'answered';
        try {
          outcome = fail(request, response, requestId, error);
        } finally {
          finish(request, response, requestId, started, outcome);
        }
      },
    );
  };

  function finish(
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    started: number,
    ended: Outcome,
  ): void {
    const outcome =
      ended === 'answered' && !response.writableEnded && request.socket.destroyed ? 'aborted' : ended;
    const status = outcome === 'answered' ? response.statusCode : null;
    const ms = performance.now() - started;
    // The request line is built only when there is a log sink to take it.
    if (options.log) {
      options.log({
        level: 'info',
        msg: outcome === 'aborted' ? 'request aborted by client' : 'request',
        requestId,
        endpoint: endpoint.name,
        method: request.method,
        url: request.url,
        status,
        ...options.requestLog?.close(requestId),
        ms: Math.round(ms * 100) / 100,
      });
    } else options.requestLog?.close(requestId);
    options.observe?.(endpoint.name, status, ms);
    if (--inFlight === 0) draining?.();
  }

  /** Handles what serving a request threw; returns how the request ended. */
  function fail(
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    error: unknown,
  ): Outcome {
    if (error instanceof DropConnectionError) {
      log({ level: 'warn', msg: 'connection dropped', requestId, reason: error.message });
      request.socket.destroy();
      return 'dropped';
    }
    // The client went away (reset, closed mid-body): nobody is left to answer.
    if (request.socket.destroyed && !response.writableEnded) return 'aborted';
    log({ level: 'error', msg: 'request failed', requestId, error: (error as Error).message });
    if (!response.headersSent) {
      send(response, endpoint.refuse('internal', 'Internal error.', requestId));
    } else response.destroy();
    return 'answered';
  }

  function refuse(
    response: ServerResponse,
    requestId: string,
    refusal: ListenerRefusal,
    message: string,
  ): void {
    send(response, endpoint.refuse(refusal, message, requestId));
  }

  const serverOptions: ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // How often Node looks for connections past those timeouts (its default is 30 s).
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
  const server = endpoint.createServer?.(serverOptions, onRequest) ?? createServer(serverOptions, onRequest);
  server.keepAliveTimeout = 5000;
  // Runs before Node's HTTP parser takes the socket: one connection over the limit is answered
  // 503 (AWS-shaped, so SDKs retry it) and closed, and its requests are never served.
  server.prependListener('connection', (socket: Socket) => {
    if (connections >= limits.maxConnections) {
      refused.add(socket);
      socket.on('error', () => {});
      const refusal = endpoint.refuse(
        'overloaded',
        `The server has its limit of ${limits.maxConnections} open connections; retry later.`,
        randomUUID(),
      );
      const head = Object.entries(refusal.headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\n${head.join('')}` +
          `content-length: ${Buffer.byteLength(refusal.body)}\r\nconnection: close\r\n\r\n${refusal.body}`,
      );
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    connections++;
    socket.once('close', () => connections--);
  });

  async function serve(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
    if (!hosts.allowsHost(request.headers.host)) {
      return refuse(
        response,
        requestId,
        'forbidden-host',
        `Host header ${JSON.stringify(request.headers.host ?? '')} does not name this server. Use an IP ` +
          `address or one of: ${hosts.names.join(', ')}; allow another name with --allow-host <name>.`,
      );
    }
    if (options.probes?.(request, response)) return;
    let read: Awaited<ReturnType<typeof readBody>>;
    try {
      read = await readBody(request, limits.maxBodyBytes, budget);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return refuse(response, requestId, 'body-too-large', error.message);
      if (error instanceof BodyBudgetExceededError) {
        response.setHeader('connection', 'close'); // the rest of the body is not read
        return refuse(response, requestId, 'overloaded', error.message);
      }
      throw error;
    }
    try {
      const call = {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        body: read.body,
        requestId,
      };
      // The admin API sits behind the same authentication as the protocol's own calls.
      if (options.admin?.matches(request)) {
        const refusal = endpoint.admit(call);
        return refusal ? send(response, refusal) : options.admin.serve(request, response, read.body);
      }
      const turn = replies.open();
      const reply = await endpoint.handle(call);
      // Written at once (a reply ready after its turn's flush, as SQLite calls are): no promise to wait
      // for, and awaiting `undefined` would still cost a microtask turn.
      const queued = replies.send(response, reply, turn);
      if (queued) await queued;
    } finally {
      read.release();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, listenHost, () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `${server instanceof HttpsServer ? 'https' : 'http'}://${host}:${port}`;
  log({ level: 'info', msg: 'listening', endpoint: endpoint.name, url });

  return {
    name: endpoint.name,
    port,
    url,
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
    },
  };
}

function send(response: ServerResponse, reply: ProtocolReply): void {
  // A flat [name, value, …] list: Node writes it as is, where an object is copied and walked again.
  // Headers set earlier with setHeader (`connection: close`) are merged by Node either way.
  const head: string[] = [];
  for (const name of Object.keys(reply.headers)) {
    if (name !== 'content-length') head.push(name, reply.headers[name]!);
  }
  head.push('content-length', String(Buffer.byteLength(reply.body)));
  response.writeHead(reply.status, head);
  if (reply.trailers) response.addTrailers(reply.trailers);
  response.end(reply.body);
}
