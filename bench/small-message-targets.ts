import { randomBytes } from 'node:crypto';
import { SuiteId } from '@envelope/core';
import { SmallMessageProcess } from './small-message-isolated.js';

const KiB = 1024;
/** CPU milliseconds a timed batch of each side lasts (reps calibrated per side after warm-up). */
const BATCH_MS = Number(process.env.BENCH_SMALL_BATCH_MS ?? 250);
const MIN_REPS = 200;
/**
 * Batches per side in a run, each side keeping its fastest: more than the bulk rows' rounds, since
 * a batch is short and the AWS SDK's batches (GC-heavy) swing most with the machine's load.
 */
const ROUNDS = Number(process.env.BENCH_SMALL_ROUNDS ?? 5);

export interface SmallMessageFigures {
  /** 1 KiB 0x0478, one value per run. */
  readonly encryptsPerSecond: number[];
  readonly decryptsPerSecond: number[];
  readonly encryptVsAwsSdk: number[];
  readonly decryptVsAwsSdk: number[];
  /** 1 KiB 0x0578 decrypt: per second, and the gain over the same decrypt with the JWK import. */
  readonly signedDecryptsPerSecond: number[];
  readonly signedDecryptGain: number[];
  /** How the batches were sized, for the table's note. */
  readonly note: string;
}

type Op = 'encrypt' | 'decrypt';

/** Warms a side (two batches) and returns the reps that make one batch last about BATCH_MS. */
async function calibrate(side: SmallMessageProcess, op: Op): Promise<number> {
  await side.batch(op, MIN_REPS);
  const ms = await side.batch(op, MIN_REPS);
  return Math.max(MIN_REPS, Math.ceil(BATCH_MS / ms));
}

/**
 * One run of a comparison: batches of `a` and `b` alternate `rounds` times, each side keeping its
 * fastest batch, so a burst of load hits both sides or neither. Returns ms per call of [a, b].
 */
async function paired(
  [a, aReps]: [SmallMessageProcess, number],
  [b, bReps]: [SmallMessageProcess, number],
  op: Op,
  rounds: number,
): Promise<[number, number]> {
  let bestA = Number.POSITIVE_INFINITY;
  let bestB = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    bestA = Math.min(bestA, await a.batch(op, aReps));
    bestB = Math.min(bestB, await b.batch(op, bReps));
  }
  return [bestA, bestB];
}

/**
 * The 1 KiB rows of issue #15: Envelope against the AWS Encryption SDK (0x0478, each side at its
 * defaults with a raw AES keyring), and Envelope's 0x0578 decrypt against the same decrypt with the
 * verification key imported as the baseline did (JWK). Each side runs in a child process of
 * its own (see {@link SmallMessageProcess}), is warmed before its first timed batch, and times
 * batches of about BATCH_MS of CPU, so a batch is long against the scheduler's tick and a GC cycle.
 */
export async function smallMessageFigures(runs: number, rounds = ROUNDS): Promise<SmallMessageFigures> {
  const plaintext = randomBytes(KiB);
  const wrappingKey = randomBytes(32);
  const unsigned = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
  const signed = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;
  const started: SmallMessageProcess[] = [];
  const start = async (...args: Parameters<typeof SmallMessageProcess.start>) => {
    const side = await SmallMessageProcess.start(...args);
    started.push(side);
    return side;
  };
  try {
    const mine = await start('envelope', wrappingKey, unsigned, plaintext);
    const aws = await start('aws-sdk', wrappingKey, unsigned, plaintext);
    const mineSigned = await start('envelope', wrappingKey, signed, plaintext);
    const jwkSigned = await start('envelope-jwk', wrappingKey, signed, plaintext);
    const enc: [[SmallMessageProcess, number], [SmallMessageProcess, number]] = [
      [mine, await calibrate(mine, 'encrypt')],
      [aws, await calibrate(aws, 'encrypt')],
    ];
    const dec: typeof enc = [
      [mine, await calibrate(mine, 'decrypt')],
      [aws, await calibrate(aws, 'decrypt')],
    ];
    const signedDec: typeof enc = [
      [mineSigned, await calibrate(mineSigned, 'decrypt')],
      [jwkSigned, await calibrate(jwkSigned, 'decrypt')],
    ];
    const figures = {
      encryptsPerSecond: [] as number[],
      decryptsPerSecond: [] as number[],
      encryptVsAwsSdk: [] as number[],
      decryptVsAwsSdk: [] as number[],
      signedDecryptsPerSecond: [] as number[],
      signedDecryptGain: [] as number[],
    };
    for (let run = 0; run < runs; run++) {
      const [encMs, awsEncMs] = await paired(...enc, 'encrypt', rounds);
      const [decMs, awsDecMs] = await paired(...dec, 'decrypt', rounds);
      const [signedMs, jwkMs] = await paired(...signedDec, 'decrypt', rounds);
      figures.encryptsPerSecond.push(1000 / encMs);
      figures.decryptsPerSecond.push(1000 / decMs);
      figures.encryptVsAwsSdk.push(awsEncMs / encMs);
      figures.decryptVsAwsSdk.push(awsDecMs / decMs);
      figures.signedDecryptsPerSecond.push(1000 / signedMs);
      figures.signedDecryptGain.push(jwkMs / signedMs - 1);
    }
    const reps = (pair: typeof enc) => `${pair[0][1]} / ${pair[1][1]}`;
    return {
      ...figures,
      note:
        `1 KiB rows: each side in a child process of its own, warmed, timed in batches of ≈ ${BATCH_MS} ms of CPU, ` +
        `${rounds} alternating batches per side and run ` +
        `(reps Envelope / baseline: encrypt ${reps(enc)}, decrypt ${reps(dec)}, 0x0578 decrypt ${reps(signedDec)}).`,
    };
  } finally {
    for (const side of started) side.stop();
  }
}
