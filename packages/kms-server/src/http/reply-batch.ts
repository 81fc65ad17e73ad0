import type { ServerResponse } from 'node:http';
import type { ProtocolReply } from '@envelope/kms-protocols/endpoint';

/**
 * Protocol replies written together once the event loop has served every connection that was
 * readable in this turn (`setImmediate` runs right after the poll phase), instead of one by one as
 * each call completes. On loopback each reply's `writev` runs the receiver's side too and wakes the
 * client if it sleeps: written back to back, the first reply wakes it and the rest find it awake.
 */
export class ReplyBatch {
  #queued: (() => void)[] = [];
  readonly #flush = () => {
    const queued = this.#queued;
    this.#queued = [];
    for (const write of queued) write();
  };

  constructor(private readonly write: (response: ServerResponse, reply: ProtocolReply) => void) {}

  /** Resolves once the reply is handed to the socket (or throws what writing it threw). */
  send(response: ServerResponse, reply: ProtocolReply): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#queued.length === 0) setImmediate(this.#flush);
      this.#queued.push(() => {
        try {
          this.write(response, reply);
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
  }
}
