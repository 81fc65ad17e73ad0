import type { Server as HttpServer, RequestListener, ServerOptions } from 'node:http';
import type { Server as HttpsServer } from 'node:https';

/**
 * The seam between a wire protocol and the server's sockets. A protocol package implements
 * {@link ProtocolEndpoint}; `@envelope/kms-server` gives each endpoint its own listener (port, Host
 * check, connection/body/time limits, health probe, admin API, drain) and calls it once per request
 * with the body already read. Nothing here knows a cloud.
 */

/** One request as an endpoint sees it: Host checked, body read within the limits. */
export interface ProtocolRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** The listener's id for this request, in its log line; endpoints answer with it. */
  readonly requestId: string;
}

export interface ProtocolReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
  /** HTTP/2 trailers (gRPC status), for endpoints on an http2 listener. */
  readonly trailers?: Readonly<Record<string, string>>;
}

/** Refusals the listener makes before the endpoint sees a request; the endpoint words them. */
export type ListenerRefusal =
  /** 403: the Host header names another server (DNS-rebinding defence). */
  | 'forbidden-host'
  /** 413: the body is over the listener's limit. */
  | 'body-too-large'
  /** 503: too many connections, or too many body bytes held across requests; retry later. */
  | 'overloaded'
  /** 500: the endpoint threw; nothing about the cause is sent. */
  | 'internal';

export const REFUSAL_STATUS: Readonly<Record<ListenerRefusal, number>> = {
  'forbidden-host': 403,
  'body-too-large': 413,
  overloaded: 503,
  internal: 500,
};

export interface ProtocolEndpoint {
  /** Stable name: the key in `server.endpoints` and in log lines (`aws-json`, `gcp-rest`, …). */
  readonly name: string;
  /**
   * The node server for this endpoint's listener, given the listener's timeouts and request handler.
   * Absent: plain HTTP/1.1 (`http.createServer`). An HTTPS endpoint returns
   * `https.createServer({ ...options, key, cert }, listener)`.
   */
  readonly createServer?: (options: ServerOptions, listener: RequestListener) => HttpServer | HttpsServer;
  /** Answers one request. Throws {@link DropConnectionError} to fail the connection instead. */
  handle(request: ProtocolRequest): Promise<ProtocolReply>;
  /**
   * Whether the caller may use the server's admin API on this listener: undefined to let it through,
   * or the refusal (the same authentication the protocol's own calls need).
   */
  admit(request: ProtocolRequest): ProtocolReply | undefined;
  /** The protocol's error reply for a listener refusal; `message` says what to do. */
  refuse(refusal: ListenerRefusal, message: string, requestId: string): ProtocolReply;
}

/**
 * Thrown by an endpoint to fail the connection instead of answering (a location marked down): the
 * client sees a reset socket, as during a real outage, and retries it as a transient network error.
 */
export class DropConnectionError extends Error {
  override readonly name = 'DropConnectionError';
}
