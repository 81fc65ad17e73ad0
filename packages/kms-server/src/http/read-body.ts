import type { IncomingMessage } from 'node:http';
import type { ByteBudget } from './byte-budget.js';

export class BodyTooLargeError extends Error {}

/** The server-wide budget of buffered body bytes is spent: answer 503, the client may retry. */
export class BodyBudgetExceededError extends Error {}

/**
 * Reads a request body, refusing more than `limit` bytes before buffering them. Every byte held is
 * taken from `budget` and stays taken until `release()` (called once the request is answered).
 */
export async function readBody(
  request: IncomingMessage,
  limit: number,
  budget: ByteBudget,
): Promise<{ body: Buffer; release: () => void }> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLargeError(`Request body of ${declared} bytes exceeds ${limit}.`);
  const chunks: Buffer[] = [];
  let taken = 0;
  const release = () => {
    budget.give(taken);
    taken = 0;
  };
  try {
    for await (const chunk of request) {
      const bytes = (chunk as Buffer).length;
      if (taken + bytes > limit) throw new BodyTooLargeError(`Request body exceeds ${limit} bytes.`);
      if (!budget.tryTake(bytes)) {
        throw new BodyBudgetExceededError(
          `The server is holding its limit of ${budget.limit} request body bytes; retry later.`,
        );
      }
      taken += bytes;
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    release();
    throw error;
  }
  return { body: Buffer.concat(chunks), release };
}
