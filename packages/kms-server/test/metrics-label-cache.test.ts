import { expect } from 'chai';
import { BoundedCache } from '../src/metrics/bounded-cache.js';
import { CACHED_LABEL_SETS, KmsMetrics } from '../src/metrics/kms-metrics.js';

describe('metrics: prom-client children cached per label set, within a bound', () => {
  it('keeps at most its capacity, forgetting the oldest entry, and makes a value once while cached', () => {
    const cache = new BoundedCache<string, { n: number }>(3);
    let made = 0;
    const make = () => ({ n: ++made });
    const a = cache.get('a', make);
    expect(cache.get('a', make)).to.equal(a);
    for (const key of ['b', 'c', 'd', 'e']) cache.get(key, make);
    expect(cache.size).to.equal(3);
    expect(made).to.equal(5);
    expect(cache.get('a', make)).to.not.equal(a); // forgotten, made again
    expect(() => new BoundedCache(0)).to.throw(RangeError);
  });

  it('counts every call exactly when more label sets are seen than it caches', async () => {
    const metrics = new KmsMetrics();
    const regions = CACHED_LABEL_SETS + 50;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < regions; i++) {
        metrics.observeCall({
          service: 'aws',
          location: `xx-test-${i}`,
          operation: 'Decrypt',
          requestId: 'r',
          resource: undefined,
          code: 'OK',
          httpStatus: 200,
          seconds: 0.001,
        });
      }
    }
    const text = await metrics.text();
    const counts = text
      .split('\n')
      .filter((line) => line.startsWith('envelope_kms_requests_total{'))
      .map((line) => Number(line.split(' ').pop()));
    expect(counts).to.have.length(regions);
    expect(counts.every((n) => n === 2)).to.equal(true);
    const first = text.split('\n').find((l) => l.startsWith('envelope_kms_request_duration_seconds_count{'));
    expect(first).to.match(/location="xx-test-0"\} 2$/);
  });
});
