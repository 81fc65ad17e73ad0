import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type CaseResult, TARGETS, type Target } from './fuzz-case.js';
import type { WorkerJob, WorkerMessage } from './worker.js';

export interface CampaignOptions {
  readonly seed: string;
  /** Cases to run; unbounded when only `seconds` is given. */
  readonly iterations?: number;
  readonly seconds?: number;
  /** Per-target bound on one case; past it the case is a hang. */
  readonly timeoutMs?: number;
  readonly onProgress?: (report: CampaignReport) => void;
  /** Test hook: the worker spins forever at this case. */
  readonly spinAt?: number;
  /** Milliseconds without progress on one case before the worker is killed (default 3 × timeoutMs + 5 s). */
  readonly watchdogMs?: number;
}

export interface Finding {
  readonly index: number;
  readonly seedName: string;
  readonly mutations: readonly string[];
  readonly findings: readonly string[];
  readonly input?: string;
}

export interface CampaignReport {
  readonly seed: string;
  casesRun: number;
  targetRuns: number;
  seconds: number;
  readonly outcomes: Record<Target, Record<string, number>>;
  readonly mutators: Record<string, number>;
  untypedErrors: number;
  hangs: number;
  /** Cases where the buffer and streaming decrypt failed with different codes (informational). */
  codeMismatches: number;
  /** Target runs whose outcome is a known core defect (see known-defects.ts). */
  knownDefects: number;
  readonly findings: Finding[];
  peakRssMiB: number;
  slowest: { index: number; ms: number; inputLength: number; chunking: string };
  /** Cases slower than {@link SLOW_CASE_MS}, by chunking: tiny chunks should not cost more per byte. */
  readonly slowByChunking: Record<string, number>;
  /** The first input of each distinct (mutator, outcomes) signature: corpus candidates. */
  readonly interesting: Map<string, { result: CaseResult; input: string }>;
}

/** A case (three targets) slower than this is counted as slow: well short of a hang, worth a look. */
export const SLOW_CASE_MS = 1000;

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/**
 * Runs a campaign in a forked worker and watches it: a case that does not finish within its bound
 * (a synchronous loop the worker's own timer cannot interrupt) gets the worker killed, is recorded
 * as a hang, and the campaign resumes at the next case in a fresh worker.
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const started = Date.now();
  const deadline = options.seconds ? started + options.seconds * 1000 : Number.POSITIVE_INFINITY;
  const until = options.iterations ?? Number.MAX_SAFE_INTEGER;
  if (!options.iterations && !options.seconds) throw new Error('give iterations or seconds');
  const report: CampaignReport = {
    seed: options.seed,
    casesRun: 0,
    targetRuns: 0,
    seconds: 0,
    outcomes: { buffer: {}, stream: {}, rewrap: {} },
    mutators: {},
    untypedErrors: 0,
    hangs: 0,
    codeMismatches: 0,
    knownDefects: 0,
    findings: [],
    peakRssMiB: 0,
    slowest: { index: -1, ms: 0, inputLength: 0, chunking: '' },
    slowByChunking: {},
    interesting: new Map(),
  };

  let next = 0;
  while (next < until && Date.now() < deadline) {
    next = await runWorker(
      {
        seed: options.seed,
        from: next,
        until,
        deadline: Math.min(deadline, 8.64e15),
        timeoutMs,
        spinAt: options.spinAt,
      },
      report,
      options,
    );
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** Runs one worker until it finishes or dies; returns the index to resume from. */
function runWorker(job: WorkerJob, report: CampaignReport, options: CampaignOptions): Promise<number> {
  return new Promise((resolve) => {
    const child: ChildProcess = fork(WORKER, [], {
      execArgv: ['--import', 'tsx', '--conditions=@envelope/source'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let current = job.from;
    let running = false;
    let watchdog: NodeJS.Timeout | undefined;
    let finished = false;
    let done = false;
    // A case runs three targets, each bounded by timeoutMs; the watchdog allows all three and margin.
    const watchdogMs = options.watchdogMs ?? job.timeoutMs * 3 + 5000;

    const finish = (resumeAt: number) => {
      if (finished) return;
      finished = true;
      clearTimeout(watchdog);
      resolve(resumeAt);
    };

    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'begin') {
        current = message.index;
        running = true;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          report.hangs++;
          report.findings.push({
            index: current,
            seedName: '?',
            mutations: [],
            findings: [`worker stuck for ${watchdogMs} ms (synchronous hang); killed`],
          });
          child.kill('SIGKILL');
        }, watchdogMs);
      } else if (message.type === 'end') {
        running = false;
        clearTimeout(watchdog);
        record(report, message);
        options.onProgress?.(report);
      } else {
        done = true;
        clearTimeout(watchdog);
      }
    });
    child.on('exit', (code, signal) => {
      if (running && signal !== 'SIGKILL') {
        report.findings.push({
          index: current,
          seedName: '?',
          mutations: [],
          findings: [`worker died (exit ${code}, signal ${signal}) during the case`],
        });
      }
      if (!running && !done) {
        report.findings.push({
          index: current,
          seedName: '?',
          mutations: [],
          findings: [`worker exited (exit ${code}, signal ${signal}) before finishing its job`],
        });
      }
      finish(running ? current + 1 : job.until);
    });
    child.send(job);
  });
}

function record(report: CampaignReport, message: Extract<WorkerMessage, { type: 'end' }>): void {
  const { result } = message;
  report.casesRun++;
  report.peakRssMiB = Math.max(report.peakRssMiB, Math.round((message.maxRssKiB / 1024) * 10) / 10);
  if (result.ms > SLOW_CASE_MS) {
    report.slowByChunking[result.chunking] = (report.slowByChunking[result.chunking] ?? 0) + 1;
  }
  if (result.ms > report.slowest.ms) {
    const { index, inputLength, chunking } = result;
    report.slowest = { index, ms: Math.round(result.ms), inputLength, chunking };
  }
  const first = result.mutations[0] ?? 'none';
  report.mutators[first] = (report.mutators[first] ?? 0) + 1;
  for (const target of TARGETS) {
    const { outcome } = result.results[target];
    report.targetRuns++;
    const counts = report.outcomes[target];
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    if (outcome.startsWith('untyped:')) report.untypedErrors++;
    if (outcome === 'hang') report.hangs++;
  }
  const { buffer, stream } = result.results;
  if (buffer.outcome !== stream.outcome) report.codeMismatches++;
  report.knownDefects += result.knownDefects.length;
  if (result.findings.length > 0) {
    report.findings.push({
      index: result.index,
      seedName: result.seedName,
      mutations: result.mutations,
      findings: result.findings,
      input: message.input,
    });
  }
  if (message.input && !report.interesting.has(message.signature)) {
    report.interesting.set(message.signature, { result, input: message.input });
  }
}
