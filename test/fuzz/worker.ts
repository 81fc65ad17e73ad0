/**
 * The fuzz worker: a child process forked by the supervisor, so a synchronous hang or crash in the
 * code under test kills only this process and is recorded as a finding, not lost with the run.
 */
import { type CaseResult, runCase } from './fuzz-case.js';
import { loadSeeds } from './seeds.js';

export interface WorkerJob {
  readonly seed: string;
  readonly from: number;
  readonly until: number;
  /** Epoch milliseconds after which no new case starts. */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Test hook: spin synchronously at this case, to prove the supervisor notices a hang. */
  readonly spinAt?: number;
}

export type WorkerMessage =
  | { readonly type: 'begin'; readonly index: number }
  | {
      readonly type: 'end';
      readonly result: CaseResult;
      readonly signature: string;
      /** Base64 input, sent the first time this worker sees a signature and for every finding. */
      readonly input?: string;
      readonly maxRssKiB: number;
    }
  | { readonly type: 'done' };

export function signatureOf(result: CaseResult): string {
  const { buffer, stream, rewrap } = result.results;
  return `${result.mutations[0]}|${buffer.outcome}|${stream.outcome}|${rewrap.outcome}`;
}

async function work(job: WorkerJob): Promise<void> {
  const seeds = await loadSeeds();
  const seen = new Set<string>();
  const send = (message: WorkerMessage) =>
    new Promise<void>((resolve) => process.send!(message, () => resolve()));
  for (let index = job.from; index < job.until && Date.now() < job.deadline; index++) {
    await send({ type: 'begin', index });
    if (index === job.spinAt) for (;;);
    const { input, ...result } = await runCase(job.seed, index, seeds, job.timeoutMs);
    const signature = signatureOf(result);
    const fresh = !seen.has(signature) || result.findings.length > 0;
    seen.add(signature);
    await send({
      type: 'end',
      result,
      signature,
      input: fresh ? input.toString('base64') : undefined,
      maxRssKiB: process.resourceUsage().maxRSS,
    });
  }
  await send({ type: 'done' });
  process.disconnect();
}

if (process.send) {
  process.once('message', (job: WorkerJob) => {
    work(job).catch((error: unknown) => {
      console.error('fuzz worker failed:', error);
      process.exit(2);
    });
  });
}
