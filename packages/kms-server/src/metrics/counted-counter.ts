import { CountedMetric, CountedSeries, type Labels, type Sample } from './counted-metric.js';

/** One label set's count. */
export class CounterSeries<N extends string = string> extends CountedSeries<N> {
  value = 0;

  /** Counts one. */
  inc(): void {
    if (this.value++ === 0) this.show();
  }

  zero(): void {
    this.value = 0;
  }
}

/**
 * A Prometheus counter counted by the server and read by a prom-client registry at scrape time; the
 * registry prints it as it prints a prom-client `Counter` (one sample per series, named as the family).
 */
export class CountedCounter<N extends string> extends CountedMetric<N, CounterSeries<N>> {
  readonly type = 'counter';

  protected newSeries(labels: Labels<N>, shown: CounterSeries<N>[]): CounterSeries<N> {
    return new CounterSeries(labels, shown);
  }

  protected samples(series: CounterSeries<N>, into: Sample[]): void {
    into.push({ labels: {}, sharedLabels: series.labels, value: series.value });
  }
}
