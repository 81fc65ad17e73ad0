import { expect } from 'chai';
import { Histogram, Registry } from 'prom-client';
import { CountedHistogram } from '../src/metrics/counted-histogram.js';
import { KmsMetrics } from '../src/metrics/kms-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const LABELS = [
  { cloud: 'aws', operation: 'Decrypt', location: 'us-east-1' },
  { cloud: 'gcp', operation: 'encrypt', location: 'europe-west1' },
];
// On a bound, between bounds, below the first, above the last (only +Inf), zero.
const VALUES = [0.001, 0.0005, 0.05, 0.01, 2.5, 0, 0.3, 1];

describe('metrics: histograms counted by the server, read by prom-client at scrape', () => {
  it('exposes exactly what a prom-client Histogram exposes for the same observations', async () => {
    const theirs = new Registry();
    const reference = new Histogram({
      name: 'h_seconds',
      help: 'help text',
      labelNames: ['cloud', 'operation', 'location'] as const,
      buckets: BUCKETS,
      registers: [theirs],
    });
    const ours = new Registry();
    const counted = new CountedHistogram({
      name: 'h_seconds',
      help: 'help text',
      buckets: BUCKETS,
      registers: [ours],
    });
    for (const [i, value] of VALUES.entries()) {
      const labels = LABELS[i % 2]!;
      reference.labels(labels).observe(value);
      counted.series(labels).observe(value);
    }
    const text = await ours.metrics();
    expect(text).to.equal(await theirs.metrics());
    expect(text).to.contain(
      'h_seconds_bucket{le="0.01",cloud="aws",operation="Decrypt",location="us-east-1"} 1',
    );
    expect(text).to.contain(
      'h_seconds_bucket{le="+Inf",cloud="aws",operation="Decrypt",location="us-east-1"} 4',
    );
  });

  it('gives the same series for the same labels, so a forgotten cache entry does not split it', async () => {
    const registry = new Registry();
    const counted = new CountedHistogram({ name: 'h', help: 'h', buckets: BUCKETS, registers: [registry] });
    counted.series({ endpoint: 'aws-json' }).observe(0.002);
    counted.series({ endpoint: 'aws-json' }).observe(0.2);
    const counts = (await registry.metrics()).split('\n').filter((line) => line.startsWith('h_count'));
    expect(counts).to.deep.equal(['h_count{endpoint="aws-json"} 2']);
  });

  it('drops a value that is not finite instead of throwing on the request path', async () => {
    const registry = new Registry();
    const counted = new CountedHistogram({ name: 'h', help: 'h', buckets: BUCKETS, registers: [registry] });
    const series = counted.series({ endpoint: 'aws-json' });
    expect(() => series.observe(Number.NaN)).to.not.throw();
    series.observe(0.5);
    expect(series.count).to.equal(1);
    expect(series.sum).to.equal(0.5);
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
