import { randomBytes } from 'node:crypto';
import { decryptMessage, encrypt, RawAesKeyring, SuiteId } from '@envelope/core';
import { mbPerSecond, medianMs, table } from './measure.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const MESSAGE = 8 * MiB;
const FRAME = 4 * MiB;

/** The ciphertext in `size`-byte views, made as they are read (the source's own per-chunk cost). */
function* chunks(ciphertext: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < ciphertext.length; at += size) yield ciphertext.subarray(at, at + size);
}

async function* asynchronously(source: Iterable<Buffer>): AsyncGenerator<Buffer> {
  yield* source;
}

/**
 * Streaming decrypt of one 8 MiB message with 4 MiB frames (suite 0x0578) fed in chunks of 1 B to
 * 64 KiB, against the same message in one chunk: the sender chooses both the frame length and, in
 * effect, the chunking, and the cost must stay linear in the input whatever it chooses. Each size
 * is read from a synchronous source (an array) and an asynchronous one (as a stream delivers).
 */
export async function chunkingBench(): Promise<string> {
  const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: randomBytes(32) });
  const plaintext = randomBytes(MESSAGE);
  const { ciphertext } = await encrypt(plaintext, {
    keyring,
    suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    frameLength: FRAME,
  });
  const decryptAll = async (source: Iterable<Buffer> | AsyncIterable<Buffer>) => {
    let bytes = 0;
    for await (const piece of decryptMessage(source, { keyring })) bytes += piece.length;
    if (bytes !== plaintext.length) throw new Error(`decrypted ${bytes} of ${plaintext.length} bytes`);
  };
  const sizes = [
    { label: 'one chunk', size: ciphertext.length, runs: 7 },
    { label: '64 KiB', size: 64 * KiB, runs: 7 },
    { label: '16 B', size: 16, runs: 1 },
    { label: '1 B', size: 1, runs: 1 },
  ];
  const rows: (string | number)[][] = [];
  let baseline = 0;
  for (const { label, size, runs } of sizes) {
    const sync = await medianMs(() => decryptAll(chunks(ciphertext, size)), runs);
    const async = await medianMs(() => decryptAll(asynchronously(chunks(ciphertext, size))), runs);
    baseline ||= sync;
    const count = Math.ceil(ciphertext.length / size);
    rows.push([
      label,
      String(count),
      mbPerSecond(MESSAGE, sync),
      `${(sync / baseline).toFixed(1)}×`,
      mbPerSecond(MESSAGE, async),
      `${(async / baseline).toFixed(1)}×`,
      size === ciphertext.length ? '—' : ((1000 * (async - baseline)) / count).toFixed(2),
    ]);
  }
  return table(
    [
      'chunk size',
      'chunks',
      'array MB/s',
      'time vs one chunk',
      'async source MB/s',
      'time vs one chunk',
      'added µs per chunk (async)',
    ],
    rows,
  );
}
