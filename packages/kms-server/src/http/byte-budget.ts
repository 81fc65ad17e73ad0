/**
 * A shared allowance of request-body bytes held in memory at once, across all connections. Without
 * one, many clients each sending almost the per-request maximum (and then stalling) grow the heap
 * without bound; with it, the request that would cross the line is refused with a 503 instead.
 */
export class ByteBudget {
  #used = 0;

  constructor(readonly limit: number) {}

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` from the budget; false (and nothing taken) when they do not fit. */
  tryTake(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used -= bytes;
  }
}
