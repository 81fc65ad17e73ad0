import { expect } from 'chai';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { CountedCounter } from '../src/metrics/counted-counter.js';
import { CountedHistogram } from '../src/metrics/counted-histogram.js';
import { KmsMetrics } from '../src/metrics/kms-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const PLACE = ['cloud', 'operation', 'location'] as const;
// Label values the text format must escape: a quote, a backslash, a newline.
const LABELS = [
  { cloud: 'aws', operation: 'Decrypt', location: 'us-east-1' },
  { cloud: 'gcp', operation: 'encrypt', location: 'europe-west1' },
  { cloud: 'azure', operation: 'wrapKey', location: 'a"b\\c\nd' },
];
// On a bound, between bounds, below the first, above the last (only +Inf), zero.
const VALUES = [0.001, 0.0005, 0.05, 0.01, 2.5, 0, 0.3, 1, 0.002];

/** A prom-client Counter and Histogram, and ours, with the same names and labels, each in its registry. */
function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const options = (registry: Registry) => ({ help: 'help text', labelNames: PLACE, registers: [registry] });
  return {
    theirs,
    ours,
    reference: {
      counter: new Counter({ name: 'c_total', ...options(theirs) }),
      histogram: new Histogram({ name: 'h_seconds', buckets: BUCKETS, ...options(theirs) }),
    },
    counted: {
      counter: new CountedCounter({ name: 'c_total', ...options(ours) }),
      histogram: new CountedHistogram({ name: 'h_seconds', buckets: BUCKETS, ...options(ours) }),
    },
  };
}

/** The same observations to both: value i under LABELS[i % 3], starting at the label set `first`. */
function observe({ reference, counted }: ReturnType<typeof pair>, first = 0): void {
  for (const [i, value] of VALUES.entries()) {
    const labels = LABELS[(first + i) % LABELS.length]!;
    reference.counter.labels(labels).inc();
    reference.histogram.labels(labels).observe(value);
    counted.counter.series(labels).inc();
    counted.histogram.series(labels).observe(value);
  }
}

/** A counted counter `c` and histogram `h` with these labels, alone in a registry. */
function alone<N extends string>(labelNames: readonly N[]) {
  const registry = new Registry();
  const options = { help: 'h', labelNames, registers: [registry] };
  return {
    registry,
    counter: new CountedCounter({ name: 'c', ...options }),
    histogram: new CountedHistogram({ name: 'h', buckets: BUCKETS, ...options }),
  };
}

/** `getMetricsAsJSON()` with each sample's labels as ordered entries, without prom-client's (always empty) exemplar slots. */
async function json(registry: Registry) {
  return (await registry.getMetricsAsJSON()).map(({ values, ...metric }) => ({
    ...metric,
    values: values.map((sample) => {
      const { labels, value, metricName } = sample as typeof sample & { metricName?: string };
      return { metricName, labels: Object.entries(labels), value };
    }),
  }));
}

describe('metrics: counters and histograms counted by the server, read by prom-client at scrape', () => {
  it('exposes exactly what prom-client exposes for the same observations, label values escaped', async () => {
    const metrics = pair();
    observe(metrics);
    const text = await metrics.ours.metrics();
    expect(text).to.equal(await metrics.theirs.metrics());
    expect(text).to.contain(
      '# TYPE c_total counter\nc_total{cloud="aws",operation="Decrypt",location="us-east-1"} 3',
    );
    expect(text).to.contain('c_total{cloud="azure",operation="wrapKey",location="a\\"b\\\\c\\nd"} 3');
    expect(text).to.contain(
      'h_seconds_bucket{le="0.01",cloud="aws",operation="Decrypt",location="us-east-1"} 2',
    );
    expect(text).to.contain(
      'h_seconds_bucket{le="+Inf",cloud="aws",operation="Decrypt",location="us-east-1"} 3',
    );
  });

  it("prints labels in the family's label order whatever the order they are given in", async () => {
    const { registry, counter } = alone(['endpoint', 'status']);
    counter.series({ status: '200', endpoint: 'aws-json' }).inc();
    expect(await registry.metrics()).to.contain('\nc{endpoint="aws-json",status="200"} 1\n');
  });

  it('gives the same series for the same labels, so a forgotten cache entry does not split it', async () => {
    const { registry, counter, histogram } = alone(['endpoint']);
    expect(histogram.series({ endpoint: 'aws-json' })).to.equal(histogram.series({ endpoint: 'aws-json' }));
    expect(counter.series({ endpoint: 'aws-json' })).to.equal(counter.series({ endpoint: 'aws-json' }));
    histogram.series({ endpoint: 'aws-json' }).observe(0.002);
    histogram.series({ endpoint: 'aws-json' }).observe(0.2);
    const counts = (await registry.metrics()).split('\n').filter((line) => line.startsWith('h_count'));
    expect(counts).to.deep.equal(['h_count{endpoint="aws-json"} 2']);
  });

  it('keeps label sets apart whatever characters their values hold', () => {
    const { counter } = alone(['a', 'b']);
    expect(counter.series({ a: 'x\ny', b: 'z' })).to.not.equal(counter.series({ a: 'x', b: 'y\nz' }));
    expect(counter.series({ a: 'x,y', b: 'z' })).to.not.equal(counter.series({ a: 'x', b: 'y,z' }));
  });

  it('drops a value that is not finite instead of throwing on the request path', async () => {
    const { registry, histogram } = alone(['endpoint']);
    const series = histogram.series({ endpoint: 'aws-json' });
    expect(() => series.observe(Number.NaN)).to.not.throw();
    expect(await registry.metrics()).to.not.contain('h_count');
    series.observe(0.5);
    expect(series.count).to.equal(1);
    expect(series.sum).to.equal(0.5);
  });

  it("gives getMetricsAsJSON() what prom-client's metrics give: the series labels after the sample's own", async () => {
    const metrics = pair();
    observe(metrics);
    const ours = await json(metrics.ours);
    expect(ours).to.deep.equal(await json(metrics.theirs));
    expect(ours[1]!.values[0]!.labels).to.deep.equal([
      ['le', 0.001],
      ['cloud', 'aws'],
      ['operation', 'Decrypt'],
      ['location', 'us-east-1'],
    ]);
  });

  it("forgets every observation on the registry's resetMetrics(), as prom-client does, and counts again after", async () => {
    const metrics = pair();
    observe(metrics);
    const held = metrics.counted.counter.series(LABELS[0]!);
    metrics.theirs.resetMetrics();
    metrics.ours.resetMetrics();
    expect(await metrics.ours.metrics()).to.equal(await metrics.theirs.metrics());
    expect(await metrics.ours.metrics()).to.not.contain('c_total{');
    observe(metrics, 1); // another first label set: the series show in their new order
    const text = await metrics.ours.metrics();
    expect(text).to.equal(await metrics.theirs.metrics());
    expect(await json(metrics.ours)).to.deep.equal(await json(metrics.theirs));
    held.inc(); // a series held from before the reset is still the one scraped
    expect(await metrics.ours.metrics()).to.contain(
      'c_total{cloud="aws",operation="Decrypt",location="us-east-1"} 4',
    );
  });
});

describe('metrics: the server exposition', () => {
  const outcome = (
    location: string,
    operation: string,
    code: string,
    httpStatus: number | undefined,
    seconds: number,
  ) => ({
    service: 'aws',
    location,
    operation,
    requestId: 'r',
    resource: undefined,
    code,
    httpStatus,
    seconds,
  });

  it("is prom-client's text for the same observations, then prom-client's process metrics", async () => {
    const metrics = new KmsMetrics();
    const reference = new Registry();
    const registers = [reference];
    const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    const calls = new Counter({
      name: 'envelope_kms_requests_total',
      help: 'KMS calls that reached a cloud service model, by cloud, operation, location, outcome code and HTTP status.',
      labelNames: ['cloud', 'operation', 'location', 'code', 'http_status'],
      registers,
    });
    const callSeconds = new Histogram({
      name: 'envelope_kms_request_duration_seconds',
      help: 'Time a KMS call spent in the emulator (injected latency included), by cloud, operation and location.',
      labelNames: ['cloud', 'operation', 'location'],
      buckets,
      registers,
    });
    const http = new Counter({
      name: 'envelope_http_requests_total',
      help: 'HTTP requests answered by each listener, by endpoint and status (none: connection dropped or aborted).',
      labelNames: ['endpoint', 'status'],
      registers,
    });
    const httpSeconds = new Histogram({
      name: 'envelope_http_request_duration_seconds',
      help: 'Time from request to answer on each listener, by endpoint.',
      labelNames: ['endpoint'],
      buckets,
      registers,
    });
    const observed = [
      outcome('us-east-1', 'Decrypt', 'OK', 200, 0.0007),
      outcome('eu-"west"\\1\n', 'Encrypt', 'NotFoundException', 400, 0.02),
      outcome('us-east-1', 'Decrypt', 'LocationUnavailable', undefined, 3),
      outcome('us-east-1', 'Decrypt', 'OK', 200, 0.004),
    ];
    for (const call of observed) {
      metrics.observeCall(call);
      const place = { cloud: call.service, operation: call.operation, location: call.location };
      calls.labels({ ...place, code: call.code, http_status: String(call.httpStatus ?? 'none') }).inc();
      callSeconds.labels(place).observe(call.seconds);
    }
    for (const [endpoint, status, ms] of [
      ['aws-json', 200, 1.5],
      ['gcp-rest', null, 40],
      ['aws-json', 200, 0.2],
    ] as const) {
      metrics.observeHttp(endpoint, status, ms);
      http.labels({ endpoint, status: String(status ?? 'none') }).inc();
      httpSeconds.labels({ endpoint }).observe(ms / 1000);
    }
    const text = await metrics.text();
    const ours = (await reference.metrics()).slice(0, -1);
    expect(text.startsWith(`${ours}\n\n# HELP process_`), text.slice(0, ours.length + 20)).to.equal(true);

    const processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    const types = (exposition: string) => exposition.split('\n').filter((line) => line.startsWith('# TYPE'));
    expect(types(text.slice(ours.length))).to.deep.equal(types(await processRegistry.metrics()));
  });

  it("keeps the server's families in their order in the exposition", async () => {
    const text = await new KmsMetrics().text();
    const families = text
      .split('\n')
      .filter((line) => line.startsWith('# TYPE envelope_'))
      .map((line) => line.split(' ').slice(2).join(' '));
    expect(families).to.deep.equal([
      'envelope_kms_requests_total counter',
      'envelope_kms_request_duration_seconds histogram',
      'envelope_http_requests_total counter',
      'envelope_http_request_duration_seconds histogram',
    ]);
  });
});
