import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import type { CaseResult } from './fuzz-case.js';
import { KNOWN_DEFECTS } from './known-defects.js';

export const CORPUS_DIR = new URL('../fixtures/fuzz-corpus/', import.meta.url);
const MANIFEST = new URL('expected.json', CORPUS_DIR);

/**
 * What one corpus input must produce: an Envelope error code or `ok`, or alternatives joined by `|`
 * where the right code depends on a fix not yet merged.
 */
export interface CorpusEntry {
  readonly seed: string;
  readonly mutations: readonly string[];
  readonly buffer: string;
  readonly stream: string;
  /**
   * The code this input yields until a known core defect is fixed (a key of KNOWN_DEFECTS). The
   * replay accepts it only while that allowlist entry exists.
   */
  readonly knownDefect?: string;
}

/** Codes that satisfy an entry's expectation, known-defect allowance included. */
export function acceptedCodes(entry: CorpusEntry, expected: string): string[] {
  const codes = expected.split('|');
  if (entry.knownDefect && KNOWN_DEFECTS[entry.knownDefect]) codes.push(entry.knownDefect);
  return codes;
}

/**
 * For an input that currently shows a known defect: the codes the fixed core may give instead. With
 * one mutation only the authenticated header changed, so its tag (or a header check) fails; stacked
 * mutations may also have damaged an encrypted data key, which a fix that checks the context after
 * unwrapping would report first.
 */
function afterFix(mutations: readonly string[]): string {
  const header = 'ENVELOPE_DECRYPTION_FAILED|ENVELOPE_HEADER_INVALID';
  return mutations.length === 1 ? header : `${header}|ENVELOPE_KEYRING_FAILED|ENVELOPE_NO_DATA_KEY`;
}

function expectation(
  outcome: string,
  mutations: readonly string[],
): { expected: string; knownDefect?: string } {
  return KNOWN_DEFECTS[outcome]
    ? { expected: afterFix(mutations), knownDefect: outcome }
    : { expected: outcome };
}

export type CorpusManifest = Record<string, CorpusEntry>;

export async function readCorpus(): Promise<{ file: string; entry: CorpusEntry; input: Buffer }[]> {
  const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as CorpusManifest;
  const files = (await readdir(CORPUS_DIR)).filter((f) => f.endsWith('.bin')).sort();
  const missing = files.filter((f) => !manifest[f]);
  if (missing.length) throw new Error(`corpus files without an expected outcome: ${missing.join(', ')}`);
  return Promise.all(
    files.map(async (file) => ({
      file,
      entry: manifest[file]!,
      input: await readFile(new URL(file, CORPUS_DIR)),
    })),
  );
}

/**
 * Adds inputs to the corpus, one per (first mutator, outcomes) signature not already stored and
 * never the same bytes twice; returns the files written.
 */
export async function addToCorpus(
  cases: readonly { result: CaseResult; input: Buffer }[],
): Promise<string[]> {
  await mkdir(CORPUS_DIR, { recursive: true });
  let manifest: CorpusManifest = {};
  try {
    manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as CorpusManifest;
  } catch {
    // a new corpus
  }
  const written: string[] = [];
  const hashes = new Set(Object.keys(manifest).map((file) => file.slice(-'0123456789ab.bin'.length)));
  const signature = (e: CorpusEntry) => `${e.mutations[0]}|${e.buffer}|${e.stream}`;
  const signatures = new Set(Object.values<CorpusEntry>(manifest).map(signature));
  for (const { result, input } of cases) {
    const hash = createHash('sha256').update(input).digest('hex').slice(0, 12);
    if (hashes.has(`${hash}.bin`)) continue;
    const buffer = expectation(result.results.buffer.outcome, result.mutations);
    const stream = expectation(result.results.stream.outcome, result.mutations);
    const entry: CorpusEntry = {
      seed: result.seedName,
      mutations: result.mutations,
      buffer: buffer.expected,
      stream: stream.expected,
      ...(buffer.knownDefect ? { knownDefect: buffer.knownDefect } : {}),
    };
    if (signatures.has(signature(entry))) continue;
    signatures.add(signature(entry));
    hashes.add(`${hash}.bin`);
    const file = `${result.mutations.join('+')}-${hash}.bin`;
    await writeFile(new URL(file, CORPUS_DIR), input);
    manifest[file] = entry;
    written.push(file);
  }
  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
  await writeFile(MANIFEST, `${JSON.stringify(sorted, null, 2)}\n`);
  return written;
}
