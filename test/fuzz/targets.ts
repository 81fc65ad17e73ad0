import { Readable } from 'node:stream';
import { decrypt, decryptStream, EnvelopeError, rewrapMessage } from '@envelope/core';
import type { SeededRandom } from './random.js';
import { decryptOptions, rewrapKeyring, type Seed } from './seeds.js';

/** `ok`, an Envelope error code, `untyped:<name>` (a finding) or `hang` (a finding). */
export type Outcome = string;

export interface TargetResult {
  readonly outcome: Outcome;
  /** For untyped errors and hangs: what was thrown, for the report. */
  readonly detail?: string;
  /** A plaintext or leak oracle that failed, if any. */
  readonly finding?: string;
}

export type Chunking = 'whole' | 'fixed' | 'random' | 'bytes' | 'with-empty';
export type ReleaseMode = 'per-frame' | 'after-message';

class Hang extends Error {}

export function classify(error: unknown): Outcome {
  if (error instanceof Hang) return 'hang';
  if (error instanceof EnvelopeError) return error.code;
  const name = error instanceof Error ? error.constructor.name : typeof error;
  return `untyped:${name}`;
}

function describe(error: unknown): string {
  if (error instanceof Error)
    return `${error.constructor.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 5).join('\n')}`;
  return String(error);
}

/** Rejects with a {@link Hang} when `work` has not settled after `ms`. */
async function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Hang(`no result after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Splits the input the way a socket or file might deliver it. */
export function chunk(rng: SeededRandom, bytes: Buffer, kind: Chunking): Uint8Array[] {
  if (kind === 'whole') return [bytes];
  const out: Uint8Array[] = [];
  const fixed = rng.int(1, 64);
  for (let at = 0; at < bytes.length; ) {
    const size = kind === 'bytes' ? 1 : kind === 'fixed' ? fixed : rng.int(1, 256);
    // Plain Uint8Array views as well as Buffers: the reader must accept both.
    const piece = bytes.subarray(at, at + size);
    out.push(rng.chance(0.2) ? new Uint8Array(piece.buffer, piece.byteOffset, piece.length) : piece);
    if (kind === 'with-empty' && rng.chance(0.3)) out.push(new Uint8Array(0));
    at += size;
  }
  return out;
}

/** The seed whose header this input starts with, if any: only then can any of its frames authenticate. */
function seedWithHeaderOf(input: Buffer, seeds: readonly Seed[]): Seed | undefined {
  return seeds.find(
    (s) =>
      input.length >= s.layout.bodyStart &&
      input.subarray(0, s.layout.bodyStart).equals(s.bytes.subarray(0, s.layout.bodyStart)),
  );
}

/**
 * The plaintext a failed decrypt may have released: the frames of the seed that arrive intact and in
 * place (each authenticates), stopping at the first that does not. A signed message's final frame
 * waits for the signature; `after-message` releases nothing unless the whole message verified.
 */
function allowedRelease(input: Buffer, seed: Seed, mode: ReleaseMode): number[] {
  const ends = [0];
  if (mode === 'after-message') return ends;
  for (const frame of seed.layout.frames) {
    if (frame.final && seed.layout.signed) break;
    if (
      input.length < frame.end ||
      !input.subarray(frame.start, frame.end).equals(seed.bytes.subarray(frame.start, frame.end))
    )
      break;
    ends.push(frame.plainEnd);
  }
  return ends;
}

/** Checks what a decrypt released against what the specification allows; a message on violation. */
export function releaseFinding(
  input: Buffer,
  emitted: Buffer,
  succeeded: boolean,
  seeds: readonly Seed[],
  mode: ReleaseMode,
): string | undefined {
  if (succeeded) {
    const seed = seeds.find((s) => s.bytes.equals(input));
    if (!seed) return 'accepted a message that is not byte-identical to any seed';
    return emitted.equals(seed.plaintext) ? undefined : `decrypted ${seed.name} to the wrong plaintext`;
  }
  if (emitted.length === 0) return undefined;
  const seed = seedWithHeaderOf(input, seeds);
  if (!seed)
    return `released ${emitted.length} bytes from a message whose header authenticates under no seed`;
  const allowed = allowedRelease(input, seed, mode);
  if (!allowed.includes(emitted.length)) {
    return `released ${emitted.length} bytes of ${seed.name}; allowed ends before the damage: ${allowed.join(', ')}`;
  }
  if (!emitted.equals(seed.plaintext.subarray(0, emitted.length)))
    return `released bytes that differ from ${seed.name}'s plaintext`;
  return undefined;
}

export interface TargetOptions {
  readonly timeoutMs: number;
  readonly seeds: readonly Seed[];
}

/** `decrypt()` on the whole buffer: all or nothing. */
export async function fuzzBuffer(input: Buffer, options: TargetOptions): Promise<TargetResult> {
  try {
    const { plaintext } = await bounded(decrypt(input, decryptOptions), options.timeoutMs);
    return { outcome: 'ok', finding: releaseFinding(input, plaintext, true, options.seeds, 'after-message') };
  } catch (error) {
    const outcome = classify(error);
    return {
      outcome,
      detail: outcome.startsWith('untyped:') || outcome === 'hang' ? describe(error) : undefined,
    };
  }
}

/** `decryptStream()` fed the given chunks; records what it emitted before failing. */
export async function fuzzStream(
  input: Buffer,
  chunks: Uint8Array[],
  releasePlaintext: ReleaseMode,
  options: TargetOptions,
): Promise<TargetResult> {
  const emitted: Buffer[] = [];
  const run = async () => {
    for await (const part of Readable.from(chunks).pipe(
      decryptStream({ ...decryptOptions, releasePlaintext }),
    )) {
      emitted.push(part as Buffer);
    }
  };
  let outcome: Outcome = 'ok';
  let detail: string | undefined;
  try {
    await bounded(run(), options.timeoutMs);
  } catch (error) {
    outcome = classify(error);
    if (outcome.startsWith('untyped:') || outcome === 'hang') detail = describe(error);
  }
  const finding = releaseFinding(
    input,
    Buffer.concat(emitted),
    outcome === 'ok',
    options.seeds,
    releasePlaintext,
  );
  return { outcome, detail, finding };
}

/**
 * `rewrapMessage()` to a new keyring. Kept thin (its semantics are being rewritten): it must fail
 * typed on a damaged message, and what it accepts must decrypt under the new keyring to the seed's plaintext.
 */
export async function fuzzRewrap(
  input: Buffer,
  chunks: Uint8Array[],
  options: TargetOptions,
): Promise<TargetResult> {
  try {
    const parts: Buffer[] = [];
    const run = async () => {
      for await (const part of rewrapMessage(chunks, { ...decryptOptions, newKeyring: rewrapKeyring }))
        parts.push(part);
    };
    await bounded(run(), options.timeoutMs);
    const seed = options.seeds.find((s) => s.bytes.equals(input));
    if (!seed)
      return { outcome: 'ok', finding: 'rewrap accepted a message that is not byte-identical to any seed' };
    const { plaintext } = await decrypt(Buffer.concat(parts), { ...decryptOptions, keyring: rewrapKeyring });
    return {
      outcome: 'ok',
      finding: plaintext.equals(seed.plaintext)
        ? undefined
        : 'rewrapped message decrypts to the wrong plaintext',
    };
  } catch (error) {
    const outcome = classify(error);
    return {
      outcome,
      detail: outcome.startsWith('untyped:') || outcome === 'hang' ? describe(error) : undefined,
    };
  }
}
