import type { ServerResponse } from 'node:http';
import type { ProtocolReply } from '@envelope/kms-protocols/endpoint';

/**
 * Protocol replies ready while the event loop is still serving the connections that were readable
 * in this turn, written together once it has served them all (`setImmediate` runs right after the
 * poll phase) instead of one by one as each call completes. On loopback each reply's `writev` runs
 * the receiver's side too and wakes the client if it sleeps: written back to back, the first reply
 * wakes it and the rest find it awake. A reply that is ready only after that flush (a SQLite call
 * answered when its commit group ends, itself on `setImmediate`) is written at once: the calls of
 * one commit group already answer back to back.
 */
export class ReplyBatch {
  #queued: (() => void)[] = [];
  #scheduled = false;
  /** Counts flushes: a request's reply joins the batch only while the flush of its turn is pending. */
  #turn = 0;
  readonly #flush = () => {
    this.#scheduled = false;
    this.#turn++;
    const queued = this.#queued;
    this.#queued = [];
    for (const write of queued) write();
  };

  constructor(private readonly write: (response: ServerResponse, reply: ProtocolReply) => void) {}

  /** Called once a request has been read: schedules this turn's flush, returns the turn to send with. */
  open(): number {
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
    return this.#turn;
  }

  /**
   * Writes the reply with its turn's batch, or at once when that batch has been written already.
   * Resolves once the reply is handed to the socket (or rejects with what writing it threw).
   */
  send(response: ServerResponse, reply: ProtocolReply, turn: number): Promise<void> | undefined {
    if (turn !== this.#turn) {
      this.write(response, reply);
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
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
