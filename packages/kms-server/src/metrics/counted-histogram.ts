import {
  CountedMetric,
  type CountedMetricOptions,
  CountedSeries,
  type Labels,
  type Sample,
} from './counted-metric.js';

/** One label set's observations: counts per bucket (not cumulative), the sum and the count. */
export class HistogramSeries<N extends string = string> extends CountedSeries<N> {
  readonly #bounds: readonly number[];
  /** `buckets[i]` counts the values in (bounds[i - 1], bounds[i]]; values above the last bound only count. */
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[], labels: Labels<N>, shown: HistogramSeries<N>[]) {
    super(labels, shown);
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
    if (this.count++ === 0) this.show();
  }

  zero(): void {
    this.buckets.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

interface HistogramOptions<N extends string> extends CountedMetricOptions<N> {
  /** Upper bounds in increasing order (`+Inf` is implied). */
  readonly buckets: readonly number[];
}

/**
 * A Prometheus histogram counted by the server and read by a prom-client registry at scrape time: an
 * observation is a bucket search and three additions. The registry prints it as it prints a
 * prom-client `Histogram` (same sample names, `le` first, then the series labels).
 */
export class CountedHistogram<N extends string> extends CountedMetric<N, HistogramSeries<N>> {
  readonly type = 'histogram';
  readonly #bounds: readonly number[];

  constructor(options: HistogramOptions<N>) {
    super(options);
    this.#bounds = [...options.buckets];
  }

  protected newSeries(labels: Labels<N>, shown: HistogramSeries<N>[]): HistogramSeries<N> {
    return new HistogramSeries(this.#bounds, labels, shown);
  }

  /** Cumulative `_bucket`s, `+Inf`, `_sum` and `_count`. */
  protected samples(series: HistogramSeries<N>, into: Sample[]): void {
    const bucket = `${this.name}_bucket`;
    const sharedLabels = series.labels;
    let cumulative = 0;
    this.#bounds.forEach((le, i) => {
      cumulative += series.buckets[i]!;
      into.push({ labels: { le }, sharedLabels, value: cumulative, metricName: bucket });
    });
    into.push(
      { labels: { le: '+Inf' }, sharedLabels, value: series.count, metricName: bucket },
      { labels: {}, sharedLabels, value: series.sum, metricName: `${this.name}_sum` },
      { labels: {}, sharedLabels, value: series.count, metricName: `${this.name}_count` },
    );
  }
}
