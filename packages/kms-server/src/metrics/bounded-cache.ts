/**
 * A map of at most `capacity` entries that forgets its oldest entry to admit a new one. For values
 * that are cheap to look up again (a metric's series per label set): label values come from requests
 * (a region, an operation name), so an unbounded cache would grow with whatever callers send. It
 * bounds this map only, not the series: a metric family keeps every series it made, and forgetting
 * one here just makes `series()` look it up again. `KmsMetrics` bounds the series by capping the
 * distinct `location` values it labels with.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached value for `key`, made by `make` (and cached) when there is none. */
  get(key: K, make: () => V): V {
    let value = this.#entries.get(key);
    if (value === undefined) {
      value = make();
      if (this.#entries.size >= this.capacity) this.#entries.delete(this.#entries.keys().next().value as K);
      this.#entries.set(key, value);
    }
    return value;
  }
}
