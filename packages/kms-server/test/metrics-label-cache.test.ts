import { expect } from 'chai';
import { BoundedCache } from '../src/metrics/bounded-cache.js';
import {
  CACHED_LABEL_SETS,
  KmsMetrics,
  LOCATION_LABELS,
  OTHER_LOCATION,
} from '../src/metrics/kms-metrics.js';

const decrypt = (location: string, operation = 'Decrypt') => ({
  service: 'aws',
  location,
  operation,
  requestId: 'r',
  resource: undefined,
  code: 'OK',
  httpStatus: 200,
  seconds: 0.001,
});

/** The series lines of one family in an exposition, as [labels, value]. */
const series = (text: string, family: string): [string, number][] =>
  text
    .split('\n')
    .filter((line) => line.startsWith(`${family}{`))
    .map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.split(' ').pop())]);

describe('metrics: series cached per label set, within a bound', () => {
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
    // Locations within the label cap, times operations: more label sets than the cache holds.
    const operations = ['Decrypt', 'Encrypt', 'GenerateDataKey', 'ReEncrypt', 'Sign'];
    expect(LOCATION_LABELS * operations.length).to.be.greaterThan(CACHED_LABEL_SETS);
    for (let round = 0; round < 2; round++) {
      for (const operation of operations) {
        for (let i = 0; i < LOCATION_LABELS; i++) metrics.observeCall(decrypt(`xx-test-${i}`, operation));
      }
    }
    const text = await metrics.text();
    const counts = series(text, 'envelope_kms_requests_total').map(([, n]) => n);
    expect(counts).to.have.length(LOCATION_LABELS * operations.length);
    expect(counts.every((n) => n === 2)).to.equal(true);
    const first = text.split('\n').find((l) => l.startsWith('envelope_kms_request_duration_seconds_count{'));
    expect(first).to.match(/location="xx-test-0"\} 2$/);
  });

  it('bounds the series: locations past the cap count under location="other", totals exact', async () => {
    const metrics = new KmsMetrics();
    const locations = 2 * LOCATION_LABELS;
    let calls = 0;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < locations; i++) {
        metrics.observeCall(decrypt(`xx-test-${i}`));
        calls++;
      }
    }
    metrics.observeCall(decrypt('xx-test-0')); // admitted before the cap: keeps its own series
    calls++;
    const text = await metrics.text();
    for (const family of ['envelope_kms_requests_total', 'envelope_kms_request_duration_seconds_count']) {
      const lines = series(text, family);
      expect(lines.length, family).to.be.at.most(LOCATION_LABELS + 1);
      expect(
        lines.reduce((sum, [, n]) => sum + n, 0),
        `${family} sums to the calls`,
      ).to.equal(calls);
      const other = lines.filter(([labels]) => labels.includes(`location="${OTHER_LOCATION}"`));
      expect(other, family).to.have.length(1);
      expect(other[0]![1], family).to.equal(2 * (locations - LOCATION_LABELS));
      expect(lines.find(([labels]) => labels.includes('location="xx-test-0"'))?.[1], family).to.equal(3);
    }
  });
});
