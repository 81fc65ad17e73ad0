/**
 * Streams 1 GiB of generated plaintext through encryptStream → decryptStream in this process and
 * prints the peak resident set size (VmHWM) and whether the SHA-256 of output equals input.
 * Run as a child process by bench/run.ts so its peak RSS is its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptStream, encryptStream, RawAesKeyring } from '@envelope/core';

const total = Number(process.env.BENCH_STREAM_BYTES ?? 1024 ** 3);
const chunk = randomBytes(64 * 1024);
const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: randomBytes(32) });
const inHash = createHash('sha256');
const outHash = createHash('sha256');

async function* plaintext() {
  for (let sent = 0; sent < total; sent += chunk.length) {
    inHash.update(chunk);
    yield chunk;
  }
}

const started = performance.now();
await pipeline(
  Readable.from(plaintext()),
  encryptStream({ keyring }),
  decryptStream({ keyring }),
  async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) outHash.update(part);
  },
);
const seconds = (performance.now() - started) / 1000;
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
console.log(
  JSON.stringify({
    bytes: total,
    seconds: Number(seconds.toFixed(2)),
    peakRssMiB: hwm ? Number((Number(hwm) / 1024).toFixed(1)) : null,
    matches: inHash.digest('hex') === outHash.digest('hex'),
  }),
);
