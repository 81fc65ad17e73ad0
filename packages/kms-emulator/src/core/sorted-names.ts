/** A sorted set of names with O(log n) lookup and O(page) ordered listing after a given name. */
export class SortedNames {
  readonly #names: string[] = [];

  get size(): number {
    return this.#names.length;
  }

  add(name: string): void {
    const i = this.#search(name);
    if (this.#names[i] !== name) this.#names.splice(i, 0, name);
  }

  remove(name: string): void {
    const i = this.#search(name);
    if (this.#names[i] === name) this.#names.splice(i, 1);
  }

  /**
   * Up to `limit` names after `after` (exclusive) that start with `prefix`, in order, and whether any
   * matching name follows them.
   */
  page(prefix: string, after: string | undefined, limit: number): { names: string[]; more: boolean } {
    const start = after !== undefined && after >= prefix ? this.#searchAfter(after) : this.#search(prefix);
    const names: string[] = [];
    for (let i = start; i < this.#names.length; i++) {
      const name = this.#names[i]!;
      if (!name.startsWith(prefix)) break;
      if (names.length === limit) return { names, more: true };
      names.push(name);
    }
    return { names, more: false };
  }

  /** Index of the first name >= `name`. */
  #search(name: string): number {
    let lo = 0;
    let hi = this.#names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#names[mid]! < name) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first name > `name`. */
  #searchAfter(name: string): number {
    const i = this.#search(name);
    return this.#names[i] === name ? i + 1 : i;
  }
}
