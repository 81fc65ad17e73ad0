/**
 * Cost of each public operation as its input grows: CPU time per call at 1×, 4×, 16×, 64× an input
 * unit, and the cost per unit. Linear (or better) means the cost per unit does not grow with the
 * input; fixed per-call costs make it fall.
 */
import { randomBytes } from 'node:crypto';
import {
  decrypt,
  encrypt,
  inspectMessage,
  MultiKeyring,
  RawAesKeyring,
  rewrap,
  SuiteId,
} from '@envelope/core';
import { table } from './measure.js';
import { envelopeStreamMs } from './stream-throughput.js';

const MiB = 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const UNSIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
/** A per-unit cost may drift with noise; more than this growth from one size to the next is not linear. */
const LINEAR_SLACK = 1.5;

/** Fastest of ROUNDS, in CPU milliseconds per call (see targets.ts for why CPU time). */
async function cpuMs(fn: () => unknown, reps: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < reps; i++) await fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000 / reps);
  }
  return best;
}

interface Operation {
  readonly name: string;
  readonly unit: string;
  readonly sizes: readonly number[];
  /** Prepares the input of `size` units and returns the call to time. */
  prepare(size: number): Promise<() => unknown>;
}

const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: randomBytes(32) });
const other = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k2', wrappingKey: randomBytes(32) });
// From 16 MiB up: below that the working set can fit in CPU caches, which is faster per byte but says
// nothing about how the cost grows.
const MIB_SIZES = [16, 64, 256];

function context(pairs: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: pairs }, (_, i) => [`key-${i}`, `value-${i}`]));
}

const operations: Operation[] = [
  {
    name: 'encrypt (0x0478)',
    unit: 'MiB',
    sizes: MIB_SIZES,
    prepare: async (n) => {
      const plaintext = randomBytes(n * MiB);
      return () => encrypt(plaintext, { keyring, suiteId: UNSIGNED });
    },
  },
  {
    name: 'decrypt (0x0478)',
    unit: 'MiB',
    sizes: MIB_SIZES,
    prepare: async (n) => {
      const { ciphertext } = await encrypt(randomBytes(n * MiB), { keyring, suiteId: UNSIGNED });
      return () => decrypt(ciphertext, { keyring });
    },
  },
  {
    name: 'encryptStream → decryptStream (0x0478)',
    unit: 'MiB',
    sizes: MIB_SIZES,
    prepare: async (n) => () => envelopeStreamMs(n * MiB, keyring, UNSIGNED),
  },
  {
    name: 'rewrap (0x0478, replace)',
    unit: 'MiB',
    sizes: MIB_SIZES,
    prepare: async (n) => {
      const { ciphertext } = await encrypt(randomBytes(n * MiB), { keyring, suiteId: UNSIGNED });
      return () => rewrap(ciphertext, { keyring, newKeyring: other, mode: 'replace' });
    },
  },
  {
    name: 'encrypt 1 KiB with an encryption context',
    unit: '100 pairs',
    sizes: [1, 4, 16],
    prepare: async (n) => {
      const plaintext = randomBytes(1024);
      const encryptionContext = context(100 * n);
      return () => encrypt(plaintext, { keyring, suiteId: UNSIGNED, encryptionContext });
    },
  },
  {
    name: 'decrypt 1 KiB with an encryption context',
    unit: '100 pairs',
    sizes: [1, 4, 16],
    prepare: async (n) => {
      const encryptionContext = context(100 * n);
      const { ciphertext } = await encrypt(randomBytes(1024), {
        keyring,
        suiteId: UNSIGNED,
        encryptionContext,
      });
      return () => decrypt(ciphertext, { keyring });
    },
  },
  {
    name: 'inspectMessage, header with encrypted data keys',
    unit: '16 EDKs',
    sizes: [1, 4, 16],
    prepare: async (n) => {
      const children = Array.from(
        { length: 16 * n - 1 },
        (_, i) =>
          new RawAesKeyring({ keyNamespace: 'bench', keyName: `c${i}`, wrappingKey: randomBytes(32) }),
      );
      const multi = new MultiKeyring({ generator: keyring, children });
      const { ciphertext } = await encrypt(randomBytes(1024), { keyring: multi, suiteId: UNSIGNED });
      return () => inspectMessage([ciphertext], { maxEncryptedDataKeys: 0xffff });
    },
  },
];

export async function scalingBench(): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const op of operations) {
    const perUnit: number[] = [];
    for (const size of op.sizes) {
      const call = await op.prepare(size);
      await call(); // warm-up
      const reps = Math.max(2, Math.round((op.unit === 'MiB' ? 128 : 200) / size));
      const ms = await cpuMs(call, reps);
      perUnit.push(ms / size);
      rows.push([op.name, `${size} × ${op.unit}`, ms.toFixed(3), (ms / size).toFixed(3), '']);
    }
    const growth = Math.max(...perUnit.slice(1).map((v, i) => v / perUnit[i]!));
    rows[rows.length - 1]![4] =
      `${growth <= LINEAR_SLACK ? 'linear' : 'NOT linear'} (largest step ×${growth.toFixed(2)})`;
  }
  return [
    table(['operation', 'input', 'CPU ms per call', 'CPU ms per unit', 'verdict'], rows),
    '',
    `Fastest of ${ROUNDS} rounds per size. Verdict: linear when the cost per unit never grows by more than`,
    `×${LINEAR_SLACK} from one size to the next (a fixed cost per call makes it fall; the slack absorbs noise).`,
  ].join('\n');
}
