import type { IncomingMessage } from 'node:http';
import type { ByteBudget } from './byte-budget.js';

export class BodyTooLargeError extends Error {}

/** The server-wide budget of buffered body bytes is spent: answer 503, the client may retry. */
export class BodyBudgetExceededError extends Error {}

/** A request body read in full; its bytes stay taken from the budget until `release()`. */
export interface ReadBody {
  readonly body: Buffer;
  release(): void;
}

/**
 * Reads a request body, refusing more than `limit` bytes before buffering them. Every byte held is
 * taken from `budget` and stays taken until `release()` (called once the request is answered).
 */
export function readBody(request: IncomingMessage, limit: number, budget: ByteBudget): Promise<ReadBody> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) {
    return Promise.reject(new BodyTooLargeError(`Request body of ${declared} bytes exceeds ${limit}.`));
  }
  // Stream events rather than `for await`: the async iterator costs a few microseconds per request on
  // the server's hot path. The reader's steps are methods and the listeners anonymous arrows: under a
  // loader that keeps function names (tsx), every named closure made per request also costs a
  // property definition. The listeners stay attached once the body is settled (they return at once):
  // on a refusal the rest of the body flows on and is discarded until the listener's answer ends the
  // request, and a late error still has a listener.
  return new Promise((resolve, reject) => {
    const reader = new BodyReader(limit, budget, resolve, reject);
    request.on('data', (chunk: Buffer) => reader.data(chunk));
    request.on('end', () => reader.end());
    request.on('error', (error: Error) => reader.fail(error));
    request.on('close', () => reader.closed());
  });
}

const EMPTY = Buffer.alloc(0);

class BodyReader implements ReadBody {
  body: Buffer = EMPTY;
  #chunks: Buffer[] = [];
  #taken = 0;
  #settled = false;

  constructor(
    private readonly limit: number,
    private readonly budget: ByteBudget,
    private readonly resolve: (read: ReadBody) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  data(chunk: Buffer): void {
    if (this.#settled) return;
    const bytes = chunk.length;
    if (this.#taken + bytes > this.limit) {
      this.fail(new BodyTooLargeError(`Request body exceeds ${this.limit} bytes.`));
    } else if (!this.budget.tryTake(bytes)) {
      this.fail(
        new BodyBudgetExceededError(
          `The server is holding its limit of ${this.budget.limit} request body bytes; retry later.`,
        ),
      );
    } else {
      this.#taken += bytes;
      this.#chunks.push(chunk);
    }
  }

  end(): void {
    if (this.#settled) return;
    this.#settled = true;
    const chunks = this.#chunks;
    this.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.#chunks = [];
    this.resolve(this);
  }

  fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#chunks = [];
    this.release();
    this.reject(error);
  }

  /** Closed before its end (client reset, timeout): the error the stream iterator gave. */
  closed(): void {
    if (this.#settled) return;
    const error = new Error('Premature close') as Error & { code: string };
    error.code = 'ERR_STREAM_PREMATURE_CLOSE';
    this.fail(error);
  }

  release(): void {
    this.budget.give(this.#taken);
    this.#taken = 0;
  }
}
