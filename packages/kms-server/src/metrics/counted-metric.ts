import type { Metric, Registry } from 'prom-client';

/** A series' label values by label name. */
export type Labels<N extends string> = Readonly<Record<N, string>>;

/**
 * One sample in the shape prom-client's registry reads from its own metrics: the text format prints
 * `labels` (a histogram's `le`), then `sharedLabels` (the series' labels); `metricName` defaults to
 * the family's name.
 */
export interface Sample {
  readonly metricName?: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * One label set's observations. It joins its family's scrape on its first observation (again after
 * a reset), so a scrape shows the series observed, in the order they were first observed, as
 * prom-client's own metrics do.
 */
export abstract class CountedSeries<N extends string = string> {
  readonly #shown: CountedSeries<N>[];

  constructor(
    /** Frozen, in the family's label order. */
    readonly labels: Labels<N>,
    shown: CountedSeries<N>[],
  ) {
    this.#shown = shown;
  }

  /** Called once a series counts its first observation since it was made or reset. */
  protected show(): void {
    this.#shown.push(this);
  }

  /** Back to no observations (the family's `reset()`). */
  abstract zero(): void;
}

export interface CountedMetricOptions<N extends string> {
  readonly name: string;
  readonly help: string;
  /** The series labels, in the order the exposition prints them. */
  readonly labelNames: readonly N[];
  /** Registries it joins, as prom-client's metrics do. */
  readonly registers: readonly Registry[];
}

/**
 * A Prometheus metric family counted by the server and read by a prom-client registry when it is
 * scraped. prom-client's own metrics convert, check and hash the labels on every observation, even
 * through a child, which was a measurable part of each request's CPU; here a series is looked up once
 * per label set, kept by the caller, and an observation only counts. The registry reads the family
 * through prom-client's metric interface: `name`, `help`, `type`, `aggregator`, `getForPromString()`
 * for the text format, `get()` for `getMetricsAsJSON()` and `reset()` for `resetMetrics()`; it
 * formats and escapes the samples as it formats its own metrics'.
 */
export abstract class CountedMetric<N extends string, S extends CountedSeries<N>> {
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly N[];
  /**
   * Every series made, by its label values, so that asking again for a label set (a caller's cache
   * having forgotten it) gives the same series; as many as the label sets observed, as in prom-client.
   * A reset zeroes the series but keeps them, so a series a caller holds stays the one scraped.
   */
  readonly #series = new Map<string, S>();
  /** The series observed since they were made or last reset, in order of their first observation. */
  readonly #shown: S[] = [];

  constructor(options: CountedMetricOptions<N>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = [...options.labelNames];
    // Not a prom-client class, but it has every member of one that a registry uses.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series with these labels, made on first use; callers keep it at hand. Never throws. */
  series(labels: Labels<N>): S {
    const values = this.labelNames.map((name) => labels[name]);
    // JSON keeps the values apart whatever characters they hold (a location comes from a request).
    const key = JSON.stringify(values);
    let series = this.#series.get(key);
    if (!series) {
      const ordered = Object.freeze(Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]])));
      series = this.newSeries(ordered as Labels<N>, this.#shown);
      this.#series.set(key, series);
    }
    return series;
  }

  protected abstract newSeries(labels: Labels<N>, shown: S[]): S;

  /** Appends the samples of one observed series, in the order prom-client prints them. */
  protected abstract samples(series: S, into: Sample[]): void;

  /** What the registry formats a scrape from: the series labels kept apart as `sharedLabels`. */
  async getForPromString() {
    const values: Sample[] = [];
    for (const series of this.#shown) this.samples(series, values);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The samples with each series' labels after the sample's own, as prom-client's `get()` gives them. */
  async get() {
    const metric = await this.getForPromString();
    const values = metric.values.map(({ labels, sharedLabels, ...sample }) => ({
      ...sample,
      labels: { ...labels, ...sharedLabels },
    }));
    return { ...metric, values };
  }

  /** Forgets every observation (`Registry#resetMetrics()`): a scrape shows no series until observed again. */
  reset(): void {
    for (const series of this.#shown) series.zero();
    this.#shown.length = 0;
  }
}
