import { CALLER_ONLY_CODES, KNOWN_DEFECTS } from './known-defects.js';
import { type Mutant, mutate } from './mutators.js';
import { SeededRandom } from './random.js';
import type { Seed } from './seeds.js';
import {
  type Chunking,
  chunk,
  fuzzBuffer,
  fuzzRewrap,
  fuzzStream,
  type ReleaseMode,
  type TargetOptions,
  type TargetResult,
} from './targets.js';

export const TARGETS = ['buffer', 'stream', 'rewrap'] as const;
export type Target = (typeof TARGETS)[number];

export interface CaseResult {
  readonly index: number;
  readonly seedName: string;
  readonly mutations: readonly string[];
  readonly chunking: Chunking;
  readonly releasePlaintext: ReleaseMode;
  readonly inputLength: number;
  readonly results: Readonly<Record<Target, TargetResult>>;
  /** Oracle failures: untyped errors, hangs, plaintext released from a damaged message, disagreements. */
  readonly findings: readonly string[];
  /** Outcomes explained by {@link KNOWN_DEFECTS}, reported apart from findings. */
  readonly knownDefects: readonly string[];
  readonly ms: number;
}

/** Everything about case `index` of a campaign follows from the campaign seed and the index. */
export function planCase(campaignSeed: string, index: number, seeds: readonly Seed[]) {
  const rng = new SeededRandom(`${campaignSeed}:${index}`);
  const mutant: Mutant = mutate(rng, seeds);
  const kinds: Chunking[] = ['whole', 'fixed', 'random', 'with-empty'];
  // One-byte chunks cost one read per byte; kept to inputs of a few frames so a case stays fast.
  if (mutant.bytes.length <= 32 * 1024) kinds.push('bytes');
  const chunking = rng.pick(kinds);
  const releasePlaintext: ReleaseMode = rng.chance(0.25) ? 'after-message' : 'per-frame';
  return { mutant, chunking, releasePlaintext, chunks: chunk(rng, mutant.bytes, chunking) };
}

export async function runCase(
  campaignSeed: string,
  index: number,
  seeds: readonly Seed[],
  timeoutMs: number,
): Promise<CaseResult & { readonly input: Buffer }> {
  const started = performance.now();
  const { mutant, chunking, releasePlaintext, chunks } = planCase(campaignSeed, index, seeds);
  const input = mutant.bytes;
  const options: TargetOptions = { timeoutMs, seeds };
  const results = {
    buffer: await fuzzBuffer(input, options),
    stream: await fuzzStream(input, chunks, releasePlaintext, options),
    rewrap: await fuzzRewrap(input, chunks, options),
  };
  const findings: string[] = [];
  const knownDefects: string[] = [];
  for (const target of TARGETS) {
    const { outcome, finding, detail } = results[target];
    if (CALLER_ONLY_CODES.includes(outcome)) {
      if (KNOWN_DEFECTS[outcome]) knownDefects.push(`${target}: ${outcome}`);
      else findings.push(`${target}: ${outcome} for a message defect (the decrypt options were valid)`);
    }
    if (outcome.startsWith('untyped:')) findings.push(`${target}: untyped error ${detail ?? outcome}`);
    if (outcome === 'hang') findings.push(`${target}: hang (${detail})`);
    if (finding) findings.push(`${target}: ${finding}`);
  }
  if ((results.buffer.outcome === 'ok') !== (results.stream.outcome === 'ok')) {
    findings.push(`buffer ${results.buffer.outcome} but stream ${results.stream.outcome}`);
  }
  return {
    index,
    seedName: mutant.seed.name,
    mutations: mutant.mutations,
    chunking,
    releasePlaintext,
    inputLength: input.length,
    results,
    findings,
    knownDefects,
    ms: performance.now() - started,
    input,
  };
}
