import type { CallOutcome } from '@envelope/kms-emulator';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { BoundedCache } from './bounded-cache.js';
import { CountedCounter, type CounterSeries } from './counted-counter.js';
import { CountedHistogram, type HistogramSeries } from './counted-histogram.js';

/** Seconds; from sub-millisecond engine calls to injected multi-second latency. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// prom-client's default process and Node.js metrics, registered once per process (they describe
// the process, not one server) and merged into every server's exposition.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * Label sets whose series are kept at hand per family (about 1 KiB each). This bounds our lookup map
 * only: every series made is kept by its family (`CountedCounter`, `CountedHistogram`), as many as
 * the label sets seen.
 */
export const CACHED_LABEL_SETS = 1024;

/**
 * Distinct `location` label values per server: locations come from requests (any string a caller
 * puts in a GCP resource name or an Azure vault host), so past this many, calls at a location not
 * yet seen are counted under `location="other"` and the number of series stays bounded.
 */
export const LOCATION_LABELS = 256;
export const OTHER_LOCATION = 'other';

/** What one request observes: a counter series and a histogram series. */
interface RequestSeries {
  readonly count: CounterSeries;
  readonly seconds: HistogramSeries;
}

/** A status label: the number, or `none` when no HTTP answer was sent. */
const statusLabel = (status: number | null | undefined): string =>
  status === null || status === undefined ? 'none' : String(status);

/**
 * The server's Prometheus metrics (`GET /metrics`), names and labels documented in docs/kms-server.md:
 *
 * - `envelope_kms_requests_total{cloud,operation,location,code,http_status}` and
 *   `envelope_kms_request_duration_seconds{cloud,operation,location}`: every call that reaches a
 *   cloud's service model (any protocol: AWS JSON, GCP REST and gRPC, Azure REST), from the HSM core.
 * - `envelope_http_requests_total{endpoint,status}` and `envelope_http_request_duration_seconds{endpoint}`:
 *   every HTTP request a listener answered, refusals (auth, limits, bad requests) included.
 * - prom-client's default `process_*` and `nodejs_*` metrics.
 *
 * The four families are counted here (`CountedCounter`, `CountedHistogram`) and read by prom-client's
 * registry as it formats a scrape; this class only maps an outcome to its series. Labels come from
 * values the request path already has. Every label set seen stays a series, so the one label callers
 * choose freely, `location`, is capped: the first 256 distinct locations keep their name, later ones
 * count as `location="other"` (totals stay exact). The other labels take values from fixed sets
 * (clouds, their operations and codes, HTTP statuses, listener names). The series of the newest 1,024
 * label sets per family are cached, so a request costs a map lookup, a count and a histogram
 * observation per family.
 */
export class KmsMetrics {
  readonly #registry = new Registry();
  readonly #calls = new CountedCounter({
    name: 'envelope_kms_requests_total',
    help: 'KMS calls that reached a cloud service model, by cloud, operation, location, outcome code and HTTP status.',
    labelNames: ['cloud', 'operation', 'location', 'code', 'http_status'],
    registers: [this.#registry],
  });
  readonly #callSeconds = new CountedHistogram({
    name: 'envelope_kms_request_duration_seconds',
    help: 'Time a KMS call spent in the emulator (injected latency included), by cloud, operation and location.',
    labelNames: ['cloud', 'operation', 'location'],
    buckets: BUCKETS,
    registers: [this.#registry],
  });
  readonly #http = new CountedCounter({
    name: 'envelope_http_requests_total',
    help: 'HTTP requests answered by each listener, by endpoint and status (none: connection dropped or aborted).',
    labelNames: ['endpoint', 'status'],
    registers: [this.#registry],
  });
  readonly #httpSeconds = new CountedHistogram({
    name: 'envelope_http_request_duration_seconds',
    help: 'Time from request to answer on each listener, by endpoint.',
    labelNames: ['endpoint'],
    buckets: BUCKETS,
    registers: [this.#registry],
  });
  readonly #callSeries = new BoundedCache<string, RequestSeries>(CACHED_LABEL_SETS);
  readonly #httpSeries = new BoundedCache<string, RequestSeries>(CACHED_LABEL_SETS);
  /** The locations that keep their own label value (at most `LOCATION_LABELS`, first come). */
  readonly #locations = new Set<string>();

  /** `location` as a label value: itself while under the cap or already admitted, else `other`. */
  #locationLabel(location: string): string {
    if (this.#locations.has(location)) return location;
    if (this.#locations.size >= LOCATION_LABELS) return OTHER_LOCATION;
    this.#locations.add(location);
    return location;
  }

  /** The HSM core's call observer (`core.observeCalls(metrics.observeCall)`). */
  readonly observeCall = (outcome: CallOutcome): void => {
    const status = statusLabel(outcome.httpStatus);
    const key = `${outcome.service}\n${outcome.operation}\n${outcome.location}\n${outcome.code}\n${status}`;
    const series = this.#callSeries.get(key, () => {
      // Only on a cache miss: cached series already carry their (possibly overflow) location.
      const location = this.#locationLabel(outcome.location);
      const place = { cloud: outcome.service, operation: outcome.operation, location };
      return {
        count: this.#calls.series({ ...place, code: outcome.code, http_status: status }),
        seconds: this.#callSeconds.series(place),
      };
    });
    series.count.inc();
    series.seconds.observe(outcome.seconds);
  };

  /** A listener's request observer: its endpoint name, the status sent (null: none) and the time taken. */
  readonly observeHttp = (endpoint: string, status: number | null, ms: number): void => {
    const label = statusLabel(status);
    const series = this.#httpSeries.get(`${endpoint}\n${label}`, () => ({
      count: this.#http.series({ endpoint, status: label }),
      seconds: this.#httpSeconds.series({ endpoint }),
    }));
    series.count.inc();
    series.seconds.observe(ms / 1000);
  };

  readonly contentType: string = this.#registry.contentType;
  // Registered as the first server starts: prom-client counts CPU time from its registration.
  readonly #process = processMetrics();
  /** Both registries are complete once built, so they are merged once, not on every scrape. */
  readonly #exposed = Registry.merge([this.#registry, this.#process]);

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.#exposed.metrics();
  }
}
