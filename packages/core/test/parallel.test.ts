import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import {
  DecryptionFailedError,
  decrypt,
  decryptStream,
  encrypt,
  encryptStream,
  parseHeader,
  RawAesKeyring,
  rewrap,
  rewrapMessage,
  SuiteId,
  WorkerFailedError,
} from '@envelope/core';
import { expect } from 'chai';
import { FramePool } from '../src/parallel/frame-pool.js';
import { ParallelBodyWriter } from '../src/parallel/parallel-body-writer.js';
import { framesPerJob } from '../src/parallel/parallel-options.js';
import { FramedBodyWriter } from '../src/stream/frame-encryptor.js';
import { getSuite } from '../src/suites/algorithm-suites.js';

const keyring = new RawAesKeyring({ keyNamespace: 'parallel', keyName: 'k', wrappingKey: randomBytes(32) });
const UNSIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const SIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;
const parallel = { workers: 2 };

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function chunks(data: Buffer, size: number): Buffer[] {
  return Array.from({ length: Math.ceil(data.length / size) }, (_, i) =>
    data.subarray(i * size, (i + 1) * size),
  );
}

/** What a streaming decrypt emitted before it ended, and the error it ended with, if any. */
async function streamDecrypt(
  message: Buffer,
  options: object = {},
): Promise<{ emitted: Buffer; error?: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of Readable.from(chunks(message, 65_537)).pipe(
      decryptStream({ keyring, parallel, ...options }),
    ))
      parts.push(part as Buffer);
    return { emitted: Buffer.concat(parts) };
  } catch (error) {
    return { emitted: Buffer.concat(parts), error };
  }
}

/** Frame boundaries of a framed message: each frame's start, IV, content offset and length. */
function framesOf(message: Buffer) {
  const header = parseHeader(message, { maxEncryptedDataKeys: 8, maxFrameLength: 1 << 30 });
  const { ivLength, tagLength } = header.header.suite;
  const frames: { start: number; sequenceNumber: number; iv: Buffer; contentAt: number; length: number }[] =
    [];
  for (let at = header.length; ; ) {
    const start = at;
    const final = message.readUInt32BE(at) === 0xffffffff;
    if (final) at += 4;
    const sequenceNumber = message.readUInt32BE(at);
    const iv = message.subarray(at + 4, at + 4 + ivLength);
    at += 4 + ivLength;
    let length = header.header.frameLength;
    if (final) {
      length = message.readUInt32BE(at);
      at += 4;
    }
    frames.push({ start, sequenceNumber, iv, contentAt: at, length });
    at += length + tagLength;
    if (final) return { frames, end: at };
  }
}

/**
 * Workers started while `body` runs, so a test can see they have all stopped. Seen when the pool
 * unreferences each thread it starts (a worker that never became ready is posted nothing).
 */
async function watchingWorkers<T>(body: (started: Worker[]) => Promise<T>): Promise<T> {
  const started: Worker[] = [];
  const original = Worker.prototype.unref;
  Worker.prototype.unref = function (this: Worker) {
    if (!started.includes(this)) started.push(this);
    return original.apply(this);
  };
  try {
    return await body(started);
  } finally {
    Worker.prototype.unref = original;
  }
}

async function allStopped(workers: readonly Worker[]): Promise<boolean> {
  for (let i = 0; i < 100 && workers.some((w) => w.threadId !== -1); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return workers.every((w) => w.threadId === -1);
}

describe('parallel mode', () => {
  describe('frame sealing on the pool', () => {
    it('makes the same body bytes as the single-thread writer for the same content key and message id', async () => {
      const suite = getSuite(UNSIGNED);
      const key = randomBytes(32);
      const messageId = randomBytes(32);
      const frameLength = 300_000; // 3 frames per job
      expect(framesPerJob(frameLength)).to.equal(3);
      const pool = new FramePool(2);
      try {
        let slot = 0;
        for (const length of [
          0,
          1,
          frameLength - 1,
          frameLength,
          frameLength + 1,
          3 * frameLength,
          7 * frameLength + 5,
        ]) {
          const plaintext = randomBytes(length);
          const single = new FramedBodyWriter(suite, Buffer.from(key), messageId, frameLength);
          const expected = Buffer.concat([
            ...chunks(plaintext, 70_001).flatMap((c) => [...single.write(c)]),
            ...single.end(),
          ]);
          pool.installKey(++slot, suite.id, key, messageId, frameLength);
          const writer = new ParallelBodyWriter(pool, slot, frameLength, 2);
          const parts: Buffer[] = [];
          for (const chunk of chunks(plaintext, 70_001))
            for await (const out of writer.write(chunk)) parts.push(...out);
          for await (const out of writer.end()) parts.push(...out);
          expect(Buffer.concat(parts).equals(expected), `plaintext of ${length} bytes`).to.equal(true);
        }
      } finally {
        await pool.close();
      }
    });

    it('posts each frame IV and AAD to the workers as a few bytes, not the input buffer they are views of', async () => {
      // A structured clone of a view copies its whole ArrayBuffer: with the input given as views of
      // one large buffer, every frame used to send all of it to a worker (170 ms per MiB here).
      const plaintext = randomBytes(2_000_000);
      const { ciphertext } = await encrypt(plaintext, { keyring, suiteId: UNSIGNED, frameLength: 50_000 });
      const large = Buffer.concat([ciphertext, Buffer.alloc(4_000_000)]);
      const views = chunks(large.subarray(0, ciphertext.length), 100_000);
      let posted = 0;
      let frames = 0;
      const postMessage = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, message: unknown, transfer?: never) {
        const job = message as { type?: string; frames?: { iv: Uint8Array; aad: Uint8Array }[] };
        if (job.type === 'open') {
          for (const { iv, aad } of job.frames ?? []) posted += iv.buffer.byteLength + aad.buffer.byteLength;
          frames += job.frames?.length ?? 0;
        }
        return postMessage.call(this, message, transfer);
      };
      try {
        const opened = await collect(Readable.from(views).pipe(decryptStream({ keyring, parallel })));
        expect(opened.equals(plaintext)).to.equal(true);
      } finally {
        Worker.prototype.postMessage = postMessage;
      }
      expect(frames).to.equal(41);
      expect(posted).to.be.at.most(frames * 128);
    });

    it('reuses at most maxJobsInFlight shared input slabs and zero-fills them when the message ends', async () => {
      const suite = getSuite(UNSIGNED);
      const key = randomBytes(32);
      const frameLength = 100_000; // 10 frames per job
      const pool = new FramePool(2);
      const shared: Buffer[] = [];
      const shareSlab = pool.shareSlab.bind(pool);
      pool.shareSlab = (size: number) => {
        const slab = shareSlab(size);
        shared.push(slab.bytes);
        return slab;
      };
      const writer = new ParallelBodyWriter(pool, 0, frameLength, 3);
      const plaintext = randomBytes(20 * framesPerJob(frameLength) * frameLength + 12_345); // 21 jobs
      const parts: Buffer[] = [];
      try {
        pool.installKey(0, suite.id, key, randomBytes(32), frameLength);
        for (const chunk of chunks(plaintext, 333_333))
          for await (const out of writer.write(chunk)) parts.push(...out);
        for await (const out of writer.end()) parts.push(...out);
      } finally {
        await pool.close();
        writer.discard();
      }
      expect(shared.length).to.be.within(1, 3);
      for (const slab of shared) expect(slab.every((b) => b === 0)).to.equal(true);
      // 200 full frames and the final one, each serialized as it is on one thread.
      const frames = Math.ceil(plaintext.length / frameLength);
      const overhead = 16 + 16; // sequence number + IV, and the tag
      const finalExtra = 4 + 4; // the final frame's end marker and content length
      const length = parts.reduce((sum, part) => sum + part.length, 0);
      expect(length).to.equal(plaintext.length + frames * overhead + finalExtra);
    });

    it('takes IVs 1 … n, each once, under the message content key', async () => {
      const plaintext = randomBytes(2_000_000);
      const frameLength = 100_000;
      const { ciphertext } = await encrypt(plaintext, { keyring, suiteId: UNSIGNED, frameLength, parallel });
      const { frames, end } = framesOf(ciphertext);
      expect(end).to.equal(ciphertext.length);
      expect(frames).to.have.length(21); // 20 full frames and an empty final frame
      const seen = new Set<string>();
      frames.forEach((frame, i) => {
        expect(frame.sequenceNumber).to.equal(i + 1);
        expect(frame.iv.readUInt32BE(frame.iv.length - 4)).to.equal(i + 1);
        expect(frame.iv.subarray(0, frame.iv.length - 4).every((b) => b === 0)).to.equal(true);
        seen.add(frame.iv.toString('hex'));
      });
      expect(seen.size).to.equal(frames.length);
      // The single-thread reader opens it: every frame authenticates under the message's derived key.
      expect((await decrypt(ciphertext, { keyring })).plaintext.equals(plaintext)).to.equal(true);
    });
  });

  for (const suiteId of [UNSIGNED, SIGNED]) {
    const name = `0x${suiteId.toString(16).padStart(4, '0')}`;
    it(`${name}: round-trips with the single-thread path both ways, streamed and in memory`, async () => {
      for (const length of [0, 5, 65_536, 3_000_000]) {
        const plaintext = randomBytes(length);
        const viaStream = await collect(
          Readable.from(chunks(plaintext, 100_003)).pipe(encryptStream({ keyring, suiteId, parallel })),
        );
        expect((await decrypt(viaStream, { keyring })).plaintext.equals(plaintext)).to.equal(true);
        const single = await encrypt(plaintext, { keyring, suiteId });
        const opened = await collect(
          Readable.from(chunks(single.ciphertext, 77_777)).pipe(decryptStream({ keyring, parallel })),
        );
        expect(opened.equals(plaintext)).to.equal(true);
        expect(
          (await decrypt(single.ciphertext, { keyring, parallel })).plaintext.equals(plaintext),
        ).to.equal(true);
      }
    });

    it(`${name}: a tampered frame, any frame, fails with DecryptionFailedError and releases nothing from it on`, async () => {
      const frameLength = 200_000; // 5 frames per job: tamper lands at every position within a job
      const plaintext = randomBytes(12 * frameLength + 1234);
      const { ciphertext } = await encrypt(plaintext, { keyring, suiteId, frameLength });
      const { frames } = framesOf(ciphertext);
      for (const frame of frames) {
        // In the content, or (every other frame) in the first tag byte.
        const offset =
          frame.contentAt + (frame.sequenceNumber % 2 ? Math.floor(frame.length / 2) : frame.length);
        {
          const damaged = Buffer.from(ciphertext);
          damaged[offset]! ^= 0x01;
          const { emitted, error } = await streamDecrypt(damaged);
          expect(error, `frame ${frame.sequenceNumber}`).to.be.instanceOf(DecryptionFailedError);
          // Only frames before the damaged one, in order, and never past it.
          const releasedUpTo = (frame.sequenceNumber - 1) * frameLength;
          expect(emitted.length).to.be.at.most(releasedUpTo);
          expect(emitted.equals(plaintext.subarray(0, emitted.length))).to.equal(true);
        }
      }
    });
  }

  it('0x0578: holds the last frame with content until the signature verifies', async () => {
    const frameLength = 200_000;
    for (const length of [3 * frameLength + 10, 3 * frameLength]) {
      const plaintext = randomBytes(length);
      const { ciphertext } = await encrypt(plaintext, { keyring, suiteId: SIGNED, frameLength });
      const damaged = Buffer.from(ciphertext);
      damaged[damaged.length - 3]! ^= 0x01; // in the signature
      const { emitted, error } = await streamDecrypt(damaged);
      expect(error).to.be.instanceOf(DecryptionFailedError);
      const lastWithContent =
        length % frameLength === 0 ? length - frameLength : length - (length % frameLength);
      expect(emitted.length).to.equal(lastWithContent);
      expect(emitted.equals(plaintext.subarray(0, lastWithContent))).to.equal(true);
      expect((await streamDecrypt(ciphertext)).emitted.equals(plaintext)).to.equal(true);
    }
  });

  it('fails with WorkerFailedError, without hanging, when a worker is killed mid-stream', async () => {
    const plaintext = randomBytes(8_000_000);
    const { ciphertext } = await encrypt(plaintext, { keyring, suiteId: UNSIGNED });
    for (const direction of ['encrypt', 'decrypt'] as const) {
      const outcome = await watchingWorkers(async (started) => {
        let jobs = 0;
        const post = Worker.prototype.postMessage;
        Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
          const result = post.apply(this, args);
          const type = (args[0] as { type?: string }).type;
          if ((type === 'seal' || type === 'open') && ++jobs === 3) void this.terminate();
          return result;
        };
        const input = direction === 'encrypt' ? plaintext : ciphertext;
        const stream =
          direction === 'encrypt'
            ? encryptStream({ keyring, suiteId: UNSIGNED, parallel })
            : decryptStream({ keyring, parallel });
        const error = await collect(Readable.from(chunks(input, 1 << 20)).pipe(stream)).then(
          () => undefined,
          (e: unknown) => e,
        );
        return { error, jobs, stopped: await allStopped(started), count: started.length };
      });
      expect(outcome.error, direction).to.be.instanceOf(WorkerFailedError);
      expect(outcome.jobs).to.be.at.least(3);
      expect(outcome.count).to.equal(2);
      expect(outcome.stopped, 'every worker stopped').to.equal(true);
    }
  });

  it('stops its workers when the stream ends, fails or is destroyed', async () => {
    const plaintext = randomBytes(4_000_000);
    await watchingWorkers(async (started) => {
      const ciphertext = await collect(
        Readable.from(chunks(plaintext, 1 << 20)).pipe(encryptStream({ keyring, parallel })),
      );
      expect(await allStopped(started)).to.equal(true);
      const stream = decryptStream({ keyring, parallel });
      const seen = new Promise<void>((resolve, reject) => {
        stream.once('data', () => {
          stream.destroy();
          resolve();
        });
        stream.once('error', reject);
      });
      stream.write(ciphertext);
      await seen;
      expect(started.length).to.equal(4);
      expect(await allStopped(started), 'after destroy').to.equal(true);
    });
  });

  it('rewraps on the pool: a new message that decrypts to the same plaintext, whatever the frame lengths', async () => {
    const newKeyring = new RawAesKeyring({
      keyNamespace: 'parallel',
      keyName: 'new',
      wrappingKey: randomBytes(32),
    });
    const plaintext = randomBytes(3_000_000);
    for (const [suiteId, from, to] of [
      [SIGNED, 200_000, 200_000],
      [UNSIGNED, 65_536, 300_000],
    ] as const) {
      const { ciphertext } = await encrypt(plaintext, { keyring, suiteId, frameLength: from });
      const rewrapped = await rewrap(ciphertext, { keyring, newKeyring, frameLength: to, parallel });
      expect(rewrapped.after.frameLength).to.equal(to);
      expect(
        (await decrypt(rewrapped.ciphertext, { keyring: newKeyring })).plaintext.equals(plaintext),
      ).to.equal(true);
      // Damage the original's signature (or last tag): no complete new message comes out.
      const damaged = Buffer.from(ciphertext);
      damaged[damaged.length - 3]! ^= 0x01;
      const parts: Buffer[] = [];
      const error = await (async () => {
        for await (const part of rewrapMessage([damaged], { keyring, newKeyring, frameLength: to, parallel }))
          parts.push(part);
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(DecryptionFailedError);
      const partial = Buffer.concat(parts);
      expect(framesOf.bind(undefined, partial)).to.throw(); // ends before its final frame
    }
  });

  it('refuses a bad worker count with a typed error', async () => {
    for (const workers of [0, -1, 1.5]) {
      await encrypt('x', { keyring, parallel: { workers } }).then(
        () => expect.fail('accepted'),
        (error: unknown) => expect((error as Error).message).to.match(/parallel\.workers must be an integer/),
      );
    }
  });
});
