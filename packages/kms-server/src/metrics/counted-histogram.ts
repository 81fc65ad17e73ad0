import type { Metric, Registry } from 'prom-client';

/** One label set's observations: counts per bucket (not cumulative), the sum and the count. */
export class HistogramSeries {
  readonly #bounds: readonly number[];
  /** `buckets[i]` counts the values in (bounds[i - 1], bounds[i]]; values above the last bound only count. */
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.#bounds = bounds;
    this.buckets = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    // prom-client throws on a value that is not finite; a request's metrics must never throw, and the
    // values here are differences of clock readings, so one that is not finite is dropped.
    if (!Number.isFinite(value)) return;
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    if (i < bounds.length) this.buckets[i]!++;
    this.sum += value;
    this.count++;
  }
}

interface HistogramOptions {
  readonly name: string;
  readonly help: string;
  /** Upper bounds in increasing order (`+Inf` is implied). */
  readonly buckets: readonly number[];
  /** Registries it joins, as prom-client's metrics do. */
  readonly registers: readonly Registry[];
}

/**
 * A Prometheus histogram counted here and read by a prom-client registry at scrape time: prom-client's
 * own `observe`, even through a child, converts, validates and hashes the labels on every value, which
 * was a measurable part of each request's CPU; a series here is a lookup made once per label set, and
 * an observation a bucket search and three additions. The registry reads `get()` and formats it as it
 * formats prom-client's histograms (same sample names, `le` first, then the series labels).
 */
export class CountedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #bounds: readonly number[];
  /** Series by their label values joined; as many as the label sets observed, as in prom-client. */
  readonly #series = new Map<string, HistogramSeries>();

  constructor(options: HistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = [...options.buckets];
    // What the server's registry uses of a metric: `name`, `help`, `type`, `aggregator` and `get()`, to
    // format a scrape (`metrics()`). Not a complete prom-client metric: no `reset()`, and `get()` keeps
    // the series labels apart (`sharedLabels`), as the text format reads them; the registry is private.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /**
   * The series with these labels (values in the histogram's label order), made on first use: callers
   * keep it at hand, and asking again for the same labels gives the same series.
   */
  series(labels: Readonly<Record<string, string>>): HistogramSeries {
    const key = Object.values(labels).join('\n');
    let series = this.#series.get(key);
    if (!series) this.#series.set(key, (series = new HistogramSeries(this.#bounds, labels)));
    return series;
  }

  /** The samples in prom-client's shape: cumulative `_bucket`s, `+Inf`, `_sum` and `_count` per series. */
  async get() {
    const bucket = `${this.name}_bucket`;
    const values: {
      labels: Record<string, string | number>;
      sharedLabels: Readonly<Record<string, string>>;
      value: number;
      metricName: string;
    }[] = [];
    for (const series of this.#series.values()) {
      const sharedLabels = series.labels;
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += series.buckets[i]!;
        values.push({ labels: { le }, sharedLabels, value: cumulative, metricName: bucket });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels, value: series.count, metricName: bucket },
        { labels: {}, sharedLabels, value: series.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
