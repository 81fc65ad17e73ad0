import type { IncomingMessage } from 'node:http';
import type { ByteBudget } from './byte-budget.js';

export class BodyTooLargeError extends Error {}

/** The server-wide budget of buffered body bytes is spent: answer 503, the client may retry. */
export class BodyBudgetExceededError extends Error {}

/**
 * Reads a request body, refusing more than `limit` bytes before buffering them. Every byte held is
 * taken from `budget` and stays taken until `release()` (called once the request is answered).
 */
export function readBody(
  request: IncomingMessage,
  limit: number,
  budget: ByteBudget,
): Promise<{ body: Buffer; release: () => void }> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) {
    return Promise.reject(new BodyTooLargeError(`Request body of ${declared} bytes exceeds ${limit}.`));
  }
  // Stream events rather than `for await`: the async iterator costs a few microseconds per request on
  // the server's hot path. On a refusal the rest of the body is not kept: it flows on with no listener
  // (discarded) until the listener's answer ends the request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let taken = 0;
    let settled = false;
    const release = () => {
      budget.give(taken);
      taken = 0;
    };
    const detach = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      detach();
      release();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      if (settled) return;
      const bytes = chunk.length;
      if (taken + bytes > limit) return fail(new BodyTooLargeError(`Request body exceeds ${limit} bytes.`));
      if (!budget.tryTake(bytes)) {
        return fail(
          new BodyBudgetExceededError(
            `The server is holding its limit of ${budget.limit} request body bytes; retry later.`,
          ),
        );
      }
      taken += bytes;
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (settled) return;
      settled = true;
      detach();
      resolve({ body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), release });
    };
    const onError = (error: Error) => fail(error);
    // Closed before its end (client reset, timeout): the same error the iterator gave.
    const onClose = () => {
      const error = new Error('Premature close') as Error & { code: string };
      error.code = 'ERR_STREAM_PREMATURE_CLOSE';
      fail(error);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
