import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  BodyFormatError,
  DecryptionFailedError,
  decrypt,
  decryptFile,
  encrypt,
  encryptFile,
  InvalidArgumentError,
  LimitExceededError,
  parseHeader,
  RawAesKeyring,
  SuiteId,
  WorkerFailedError,
} from '@envelope/core';
import { expect } from 'chai';
import { buildSync } from 'esbuild';
import { frameIv } from '../src/format/body.js';
import type { FilePair } from '../src/parallel/file-io.js';
import { FileJobRunner } from '../src/parallel/file-jobs.js';
import { fileJobs, shapeForPlaintext } from '../src/parallel/file-layout.js';
import { defaultWorkerUrl, FramePool } from '../src/parallel/frame-pool.js';
import { framesPerJob } from '../src/parallel/parallel-options.js';
import { runFileJobs } from '../src/parallel/run-file-jobs.js';
import { FramedBodyWriter } from '../src/stream/frame-encryptor.js';
import { openDecryption } from '../src/stream/open-decryption.js';
import { getSuite } from '../src/suites/algorithm-suites.js';

const keyring = new RawAesKeyring({ keyNamespace: 'file', keyName: 'k', wrappingKey: randomBytes(32) });
const UNSIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const SIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;
const workers = { workers: 2 };
/** The file mode's two ways to run its jobs: on the main thread one after another, or on 2 workers. */
const MODES = [
  ['one thread (jobs inline)', undefined],
  ['2 workers', workers],
] as const;
/** 4 KiB frames: 256 frames per job, so a few MiB make many jobs. */
const F = 4096;

let dir: string;
const path = (name: string) => join(dir, name);

/** Each call writes a new output file: the file mode refuses to replace one that holds anything. */
function fresh(...names: string[]): void {
  for (const name of names) rmSync(path(name), { force: true });
}

/** Regular frames' and the final frame's offsets in a framed message: [start, sequence, iv, final]. */
function framesOf(message: Buffer) {
  const { header, length } = parseHeader(message, { maxEncryptedDataKeys: 8, maxFrameLength: 1 << 30 });
  const { ivLength, tagLength } = header.suite;
  const frames: { start: number; end: number; sequenceNumber: number; iv: Buffer }[] = [];
  for (let at = length; ; ) {
    const start = at;
    const final = message.readUInt32BE(at) === 0xffffffff;
    if (final) at += 4;
    const sequenceNumber = message.readUInt32BE(at);
    const iv = message.subarray(at + 4, at + 4 + ivLength);
    at += 4 + ivLength;
    let content = header.frameLength;
    if (final) {
      content = message.readUInt32BE(at);
      at += 4;
    }
    at += content + tagLength;
    frames.push({ start, end: at, sequenceNumber, iv });
    if (final) return frames;
  }
}

/** Counts the file jobs this thread runs into `calls` until the returned restore is called. */
function countMainThreadJobs(calls: { seal: number; open: number }): () => void {
  const { seal, open } = FileJobRunner.prototype;
  FileJobRunner.prototype.seal = function (this: FileJobRunner, ...args) {
    calls.seal++;
    return seal.apply(this, args);
  };
  FileJobRunner.prototype.open = function (this: FileJobRunner, ...args) {
    calls.open++;
    return open.apply(this, args);
  };
  return () => {
    FileJobRunner.prototype.seal = seal;
    FileJobRunner.prototype.open = open;
  };
}

async function outcome(run: Promise<unknown>): Promise<unknown> {
  return run.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('parallel file mode', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envelope-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [mode, parallel] of MODES) {
    describe(mode, () => {
      const sizes = [0, 1, F - 1, F, F + 1, 3 * framesPerJob(F) * F, 3 * framesPerJob(F) * F + 777];
      for (const [name, suiteId] of [
        ['0x0478', UNSIGNED],
        ['0x0578', SIGNED],
      ] as const) {
        it(`${name}: round-trips files of 0, 1, F-1, F, F+1 and many frames with the one-thread path both ways`, async function () {
          this.timeout(300_000); // 21 pools started, each worker loading the sources through tsx
          for (const size of sizes) {
            fresh('message', 'out', 'out2');
            const plaintext = randomBytes(size);
            writeFileSync(path('plain'), plaintext);
            await encryptFile(path('plain'), path('message'), { keyring, suiteId, frameLength: F, parallel });
            const message = readFileSync(path('message'));
            expect(
              (await decrypt(message, { keyring })).plaintext.equals(plaintext),
              `${size} bytes`,
            ).to.equal(true);
            const { header } = await decryptFile(path('message'), path('out'), { keyring, parallel });
            expect(header.suite.id).to.equal(suiteId);
            expect(readFileSync(path('out')).equals(plaintext), `${size} bytes back`).to.equal(true);
            // and a message made by the one-thread writer decrypts in the file mode
            const { ciphertext } = await encrypt(plaintext, { keyring, suiteId, frameLength: F });
            writeFileSync(path('single'), ciphertext);
            await decryptFile(path('single'), path('out2'), { keyring, parallel });
            expect(readFileSync(path('out2')).equals(plaintext)).to.equal(true);
          }
        });
      }

      it('writes the same bytes as the one-thread writer for the same content key and message id', async function () {
        this.timeout(300_000);
        for (const size of sizes) {
          fresh('message');
          const plaintext = randomBytes(size);
          writeFileSync(path('plain'), plaintext);
          await encryptFile(path('plain'), path('message'), {
            keyring,
            suiteId: UNSIGNED,
            frameLength: F,
            parallel,
          });
          const message = readFileSync(path('message'));
          // The message's own content key, recovered as any decrypt does; the one-thread writer then
          // seals the same plaintext under it and the same message id.
          const { parsed, key } = await openDecryption([message], { keyring });
          const single = new FramedBodyWriter(parsed.header.suite, key, parsed.header.messageId, F);
          const expected = Buffer.concat([parsed.raw, ...single.write(plaintext), ...single.end()]);
          expect(message.equals(expected), `${size} bytes`).to.equal(true);
        }
      });

      it('takes IVs 1 … n, each once and in order, under the message content key', async () => {
        const plaintext = randomBytes(5 * framesPerJob(F) * F + 3);
        writeFileSync(path('plain'), plaintext);
        await encryptFile(path('plain'), path('message'), {
          keyring,
          suiteId: UNSIGNED,
          frameLength: F,
          parallel,
        });
        const frames = framesOf(readFileSync(path('message')));
        expect(frames.length).to.equal(5 * framesPerJob(F) + 1);
        for (const [i, frame] of frames.entries()) {
          expect(frame.sequenceNumber).to.equal(i + 1);
          expect(frame.iv.equals(frameIv(12, i + 1))).to.equal(true);
        }
      });

      describe('refuses a damaged message file with a typed error and leaves no output', () => {
        let message: Buffer;
        beforeEach(async () => {
          writeFileSync(path('plain'), randomBytes(3 * framesPerJob(F) * F + 100));
          await encryptFile(path('plain'), path('message'), {
            keyring,
            suiteId: UNSIGNED,
            frameLength: F,
            parallel,
          });
          message = readFileSync(path('message'));
        });
        const damaged = async (bytes: Buffer): Promise<unknown> => {
          writeFileSync(path('damaged'), bytes);
          const error = await outcome(decryptFile(path('damaged'), path('out'), { keyring, parallel }));
          expect(existsSync(path('out')), 'output file left behind').to.equal(false);
          return error;
        };

        it('truncated by a byte, by a whole frame, or to its header', async () => {
          const frames = framesOf(message);
          expect(await damaged(message.subarray(0, -1))).to.be.instanceOf(BodyFormatError);
          const last = frames.at(-1)!;
          const lastRegular = frames.at(-2)!;
          const dropped = Buffer.concat([
            message.subarray(0, lastRegular.start),
            message.subarray(last.start),
          ]);
          expect(await damaged(dropped)).to.be.instanceOf(BodyFormatError);
          expect(await damaged(message.subarray(0, frames[0]!.start))).to.be.instanceOf(BodyFormatError);
        });

        it('extended by a byte, or by a frame-sized run of bytes', async () => {
          expect(await damaged(Buffer.concat([message, Buffer.alloc(1)]))).to.be.instanceOf(BodyFormatError);
          const frame = framesOf(message)[0]!;
          const extra = Buffer.alloc(frame.end - frame.start);
          expect(await damaged(Buffer.concat([message, extra]))).to.be.instanceOf(BodyFormatError);
        });

        it('with a pair of frames swapped in the middle', async () => {
          const frames = framesOf(message);
          const a = frames[300]!;
          const b = frames[301]!;
          const swapped = Buffer.concat([
            message.subarray(0, a.start),
            message.subarray(b.start, b.end),
            message.subarray(a.start, a.end),
            message.subarray(b.end),
          ]);
          expect(swapped.length).to.equal(message.length);
          expect(await damaged(swapped)).to.be.instanceOf(BodyFormatError);
        });

        it('with a flipped tag bit in a frame in the middle', async () => {
          const flipped = Buffer.from(message);
          flipped[framesOf(message)[400]!.end - 1]! ^= 1;
          expect(await damaged(flipped)).to.be.instanceOf(DecryptionFailedError);
        });
      });
    });
  }

  describe('the main thread and the workers (runFileJobs)', () => {
    const suite = getSuite(UNSIGNED);
    const key = randomBytes(32);
    const messageId = randomBytes(32);
    const plaintext = randomBytes(8 * framesPerJob(F) * F + 99);
    const slot = () => ({ suite, key: Buffer.from(key), messageId, frameLength: F });
    const jobs = () => fileJobs(shapeForPlaintext(plaintext.length, F), F, 0, suite);
    /** The body the one-thread writer makes for the same key and message id (no header: offset 0). */
    const body = () => {
      const writer = new FramedBodyWriter(suite, key, messageId, F);
      return Buffer.concat([...writer.write(plaintext), ...writer.end()]);
    };
    /** Runs jobs from file `from` into a new file `to`. */
    const run = async (
      direction: 'seal' | 'open',
      from: string,
      to: string,
      pool?: FramePool,
      limit?: number,
    ) => {
      fresh(to);
      const input = openSync(path(from), 'r');
      const output = openSync(path(to), 'w');
      try {
        const files = { input, output, inputSize: readFileSync(path(from)).length };
        await runFileJobs(direction, slot(), files, jobs(), () => {}, pool, limit);
      } finally {
        closeSync(input);
        closeSync(output);
      }
    };
    /**
     * Seals the plaintext and opens the message with `pool`, 2 jobs in flight on it (so the third job
     * of each direction runs here, whatever the timing); both give the one-thread bytes.
     */
    const roundTrip = async (pool: FramePool) => {
      await run('seal', 'plain', 'message', pool, 2);
      expect(readFileSync(path('message')).equals(body()), 'sealed bytes').to.equal(true);
      await run('open', 'message', 'out', pool, 2);
      expect(readFileSync(path('out')).equals(plaintext), 'opened bytes').to.equal(true);
    };
    /** Every Worker posted to, and the types of what was posted, while `body` runs. */
    const watchingPosts = async (body: (posted: string[], threads: Worker[]) => Promise<void>) => {
      const posted: string[] = [];
      const threads: Worker[] = [];
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
        if (!threads.includes(this)) threads.push(this);
        posted.push((args[0] as { type: string }).type);
        return post.apply(this, args);
      };
      try {
        await body(posted, threads);
      } finally {
        Worker.prototype.postMessage = post;
      }
    };
    const readyPool = async (workers: number, workerUrl?: URL) => {
      const pool = new FramePool(workers, workerUrl);
      for (let i = 0; i < 6000 && pool.readyWorkers < workers; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(pool.readyWorkers).to.equal(workers);
      return pool;
    };
    const stopped = async (threads: Worker[]) => {
      for (let i = 0; i < 100 && threads.some((w) => w.threadId !== -1); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return threads.every((w) => w.threadId === -1);
    };
    beforeEach(() => writeFileSync(path('plain'), plaintext));

    it('with a worker ready, runs jobs on it and on the main thread: the one-thread bytes, both ways', async () => {
      const onMain = { seal: 0, open: 0 };
      const restore = countMainThreadJobs(onMain);
      try {
        await watchingPosts(async (posted, threads) => {
          const pool = await readyPool(1);
          const closed: unknown[] = [];
          try {
            await roundTrip(pool);
          } finally {
            for (const thread of threads) thread.on('message', (m: { type?: string }) => closed.push(m.type));
            await pool.close();
          }
          expect(posted.filter((type) => type === 'seal-file').length).to.be.at.least(1);
          expect(posted.filter((type) => type === 'open-file').length).to.be.at.least(1);
          expect(onMain.seal, 'seal jobs on the main thread').to.be.at.least(1);
          expect(onMain.open, 'open jobs on the main thread').to.be.at.least(1);
          // 8 jobs, each run here or posted (a posted job the worker had not started may be taken back
          // and run here: exactly once each is the slow worker's test below)
          expect(onMain.seal + posted.filter((type) => type === 'seal-file').length).to.be.at.least(8);
          // close resolved once the worker said its keys were zero-filled, not after its exit
          expect(closed).to.include('closed');
        });
      } finally {
        restore();
      }
    });

    describe('with a worker that starts each file job 250 ms late', () => {
      const log = () => path('jobs.log');
      /** First sequence numbers of the jobs the worker ran. */
      const ranOnWorker = () => readFileSync(log(), 'utf8').split('\n').filter(Boolean);
      /** Runs jobs with 4 in flight on a slow worker: jobs 0-3 go to it at once, 4-7 run here. */
      const runBeside = async (direction: 'seal' | 'open', from: string, to: string) => {
        writeFileSync(log(), '');
        process.env.ENVELOPE_TEST_JOB_LOG = log();
        const onMain = { seal: 0, open: 0 };
        const restore = countMainThreadJobs(onMain);
        const pool = await readyPool(1, new URL('./fixtures/slow-frame-worker.ts', import.meta.url));
        try {
          return { error: await outcome(run(direction, from, to, pool, 4)), onMain: onMain[direction] };
        } finally {
          restore();
          delete process.env.ENVELOPE_TEST_JOB_LOG;
          await pool.close();
        }
      };

      it('takes back the jobs the worker has not started once none is left to hand out, and runs each job once', async () => {
        for (const [direction, from, to, expected] of [
          ['seal', 'plain', 'message', body],
          ['open', 'message', 'out', () => plaintext],
        ] as const) {
          const { error, onMain } = await runBeside(direction, from, to);
          expect(error, direction).to.equal(undefined);
          expect(readFileSync(path(to)).equals(expected()), `${direction} bytes`).to.equal(true);
          expect(ranOnWorker().length, `${direction}: jobs the worker ran`).to.be.at.most(1);
          expect(onMain + ranOnWorker().length, `${direction}: each of the 8 jobs ran once`).to.equal(8);
        }
      });

      /** The sealed body with `damage` applied, as file `damaged`; `at(j)` is where job j's first frame starts. */
      const damagedBody = async (damage: (bytes: Buffer, at: (job: number) => number) => void) => {
        await run('seal', 'plain', 'message'); // on this thread: the body the open jobs read
        const bytes = readFileSync(path('message'));
        const regular = 4 + suite.ivLength + F + suite.tagLength;
        damage(bytes, (job) => job * framesPerJob(F) * regular);
        writeFileSync(path('damaged'), bytes);
      };
      const flipCiphertext = (bytes: Buffer, at: number) => (bytes[at + 4 + suite.ivLength + 100]! ^= 1);
      const flipSequenceNumber = (bytes: Buffer, at: number) => (bytes[at + 3]! ^= 1);

      it('after a failure, still runs the queued jobs below it, once each, and no job above it', async () => {
        await damagedBody((bytes, at) => flipCiphertext(bytes, at(4))); // job 4: the first run here
        const { error, onMain } = await runBeside('open', 'damaged', 'out');
        expect(error).to.be.instanceOf(DecryptionFailedError);
        // Jobs 0-3 (queued on the worker, below the failure) each ran once, here or there; 5-7 never.
        expect(onMain + ranOnWorker().length, 'jobs 0-4 ran once each').to.equal(5);
        expect(ranOnWorker().length, 'jobs the worker ran').to.be.at.most(1);
      });

      it('throws the failure a single thread meets first, whichever jobs were taken back', async () => {
        // Job 2's ciphertext and job 3's sequence number damaged: one thread fails on job 2.
        await damagedBody((bytes, at) => {
          flipCiphertext(bytes, at(2));
          flipSequenceNumber(bytes, at(3));
        });
        const single = await outcome(run('open', 'damaged', 'out'));
        expect(single).to.be.instanceOf(DecryptionFailedError);
        for (let attempt = 0; attempt < 2; attempt++) {
          const { error } = await runBeside('open', 'damaged', 'out');
          expect(error, 'the error of job 2, as on one thread').to.be.instanceOf(DecryptionFailedError);
          expect((error as Error).message).to.equal((single as Error).message);
        }
      });
    });

    it("starts a single-file CommonJS worker script (the build's frame-worker.cjs) without the ES module loader, and runs jobs on it", async () => {
      // The bundle the build emits (see package.json "build"), made here from the sources.
      buildSync({
        entryPoints: [fileURLToPath(new URL('../src/parallel/frame-worker.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        outfile: path('frame-worker.cjs'),
        logLevel: 'warning',
      });
      // Started as the pool starts any .cjs script; once the bundle has loaded (and said ready), it
      // writes down the Node modules its thread has loaded.
      const loaded = path('loaded.json');
      writeFileSync(
        path('probe.cjs'),
        `require('./frame-worker.cjs'); require('node:fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(process.moduleLoadList));`,
      );
      await watchingPosts(async (posted) => {
        const pool = await readyPool(1, pathToFileURL(path('probe.cjs')));
        try {
          await roundTrip(pool);
        } finally {
          await pool.close();
        }
        expect(posted).to.include('seal-file').and.to.include('open-file');
      });
      const modules = JSON.parse(readFileSync(loaded, 'utf8')) as string[];
      expect(modules).to.include('NativeModule worker_threads');
      expect(modules, 'no ES module loader in the worker').to.not.include(
        'NativeModule internal/modules/esm/loader',
      );
    });

    it("looks for its worker script beside its module: the bundled frame-worker.cjs first, else frame-worker with the module's extension", () => {
      const at = (name: string) => pathToFileURL(path(name)).href;
      expect(defaultWorkerUrl(at('index.js')).href).to.equal(at('frame-worker.js'));
      expect(defaultWorkerUrl(at('envelope.mjs')).href).to.equal(at('frame-worker.mjs'));
      expect(defaultWorkerUrl(at('frame-pool.ts')).href).to.equal(at('frame-worker.ts'));
      writeFileSync(path('frame-worker.cjs'), '');
      expect(defaultWorkerUrl(at('index.js')).href).to.equal(at('frame-worker.cjs'));
      expect(defaultWorkerUrl(at('envelope.mjs')).href).to.equal(at('frame-worker.cjs'));
    });

    it('runs every job on the main thread while the workers start, posts them nothing, and does not wait for them on close', async () => {
      // a worker that loads but never says it is ready
      const neverReady = new URL('data:text/javascript,setInterval(() => {}, 60000)');
      await watchingPosts(async (posted, threads) => {
        const pool = new FramePool(2, neverReady);
        try {
          await run('seal', 'plain', 'message', pool, 4);
          expect(readFileSync(path('message')).equals(body())).to.equal(true);
          await run('open', 'message', 'out', pool, 4);
          expect(readFileSync(path('out')).equals(plaintext)).to.equal(true);
        } finally {
          await pool.close();
        }
        expect(posted, 'nothing posted to a worker that is not ready, not even the key').to.deep.equal([]);
        expect(await stopped(threads), 'every worker stopped').to.equal(true);
      });
    });

    it('on a ready worker, a flipped byte or a swapped frame gives the typed error the main thread gives', async () => {
      await run('seal', 'plain', 'message'); // on this thread: the body the open jobs read
      const sealed = readFileSync(path('message'));
      const regular = 4 + suite.ivLength + F + suite.tagLength;
      const flipped = Buffer.from(sealed);
      flipped[4 + suite.ivLength + 100]! ^= 1; // in frame 1: job 0, the first one the ready worker takes
      const swapped = Buffer.from(sealed);
      sealed.copy(swapped, 0, regular, 2 * regular); // frame 2's bytes where frame 1 belongs
      sealed.copy(swapped, regular, 0, regular);
      for (const [bytes, type] of [
        [flipped, DecryptionFailedError],
        [swapped, BodyFormatError],
      ] as const) {
        writeFileSync(path('damaged'), bytes);
        await watchingPosts(async (posted) => {
          const pool = await readyPool(1);
          try {
            expect(await outcome(run('open', 'damaged', 'out', pool, 2))).to.be.instanceOf(type);
          } finally {
            await pool.close();
          }
          expect(posted.indexOf('open-file'), 'job 0 went to the worker').to.be.at.least(0);
        });
      }
    });

    it("fails with the pool's WorkerFailedError when a worker fails to load, though it held no job", async () => {
      const pool = new FramePool(1, new URL('data:text/javascript,throw new Error("no frame code here")'));
      try {
        for (let i = 0; i < 6000 && !pool.failure; i++)
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect(pool.failure).to.be.instanceOf(WorkerFailedError);
        for (const [direction, from, to] of [
          ['seal', 'plain', 'message'],
          ['open', 'message', 'out'],
        ] as const) {
          if (direction === 'open') await run('seal', 'plain', 'message'); // a body to open, on this thread
          const error = await outcome(run(direction, from, to, pool, 4));
          expect(error, direction).to.equal(pool.failure);
          expect(String((error as Error).message)).to.include('no frame code here');
        }
      } finally {
        await pool.close();
      }
      expect(pool.failure, 'closing is not a failure').to.equal(undefined);
    });

    it('fails with WorkerFailedError and stops every worker when a worker holding a job is killed', async () => {
      await run('seal', 'plain', 'message'); // the body the open jobs read
      for (const direction of ['seal', 'open'] as const) {
        await watchingPosts(async (_, threads) => {
          const pool = await readyPool(2);
          let jobs = 0;
          const post = Worker.prototype.postMessage;
          Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
            // killed before its third job reaches it: that job is pending when the thread exits
            if ((args[0] as { type?: string }).type === `${direction}-file` && ++jobs === 3)
              void this.terminate();
            return post.apply(this, args);
          };
          let error: unknown;
          try {
            const [from, to] = direction === 'seal' ? ['plain', 'message2'] : ['message', 'out'];
            error = await outcome(run(direction, from!, to!, pool, 4));
          } finally {
            Worker.prototype.postMessage = post;
            await pool.close();
          }
          expect(error, direction).to.be.instanceOf(WorkerFailedError);
          expect(jobs).to.be.at.least(3);
          expect(await stopped(threads), 'every worker stopped').to.equal(true);
        });
      }
    });
  });

  it('fails with WorkerFailedError naming the script, and leaves no output, when the worker script is missing', async () => {
    const plaintext = randomBytes(5 * framesPerJob(F) * F + 17);
    writeFileSync(path('plain'), plaintext);
    const workerUrl = new URL('./no-such-frame-worker.js', import.meta.url);
    for (const direction of ['encrypt', 'decrypt'] as const) {
      fresh('message');
      writeFileSync(
        path('message'),
        (await encrypt(plaintext, { keyring, suiteId: UNSIGNED, frameLength: F })).ciphertext,
      );
      const [from, to] = direction === 'encrypt' ? ['plain', 'message2'] : ['message', 'out'];
      fresh(to!);
      const options = { keyring, suiteId: UNSIGNED, frameLength: F, parallel: { workers: 2, workerUrl } };
      const error = await outcome(
        direction === 'encrypt'
          ? encryptFile(path(from!), path(to!), options)
          : decryptFile(path(from!), path(to!), options),
      );
      expect(error, direction).to.be.instanceOf(WorkerFailedError);
      expect(String((error as Error).message)).to.include('no-such-frame-worker.js');
      expect(existsSync(path(to!)), `${direction} output removed`).to.equal(false);
    }
  });

  it('without parallel, runs the same file jobs on the main thread for 0x0478 (no worker) and streams 0x0578', async () => {
    const plaintext = randomBytes(3 * framesPerJob(F) * F + 5);
    writeFileSync(path('plain'), plaintext);
    const calls = { seal: 0, open: 0, posted: 0 };
    const restore = countMainThreadJobs(calls);
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
      calls.posted++;
      return post.apply(this, args);
    };
    try {
      await encryptFile(path('plain'), path('message'), { keyring, suiteId: UNSIGNED, frameLength: F });
      await decryptFile(path('message'), path('out'), { keyring });
      expect(readFileSync(path('out')).equals(plaintext)).to.equal(true);
      expect(calls).to.deep.equal({ seal: 3, open: 3, posted: 0 }); // 3 runs, the last with the final frame
      fresh('message', 'out');
      await encryptFile(path('plain'), path('message'), { keyring, suiteId: SIGNED, frameLength: F });
      await decryptFile(path('message'), path('out'), { keyring });
      expect(readFileSync(path('out')).equals(plaintext)).to.equal(true);
      expect(calls, 'a signed message streams').to.deep.equal({ seal: 3, open: 3, posted: 0 });
    } finally {
      restore();
      Worker.prototype.postMessage = post;
    }
  });

  it("opens the AWS SDK's stored messages (v1 0x0178 and 0x0378, v2 0x0478 and 0x0578) from files, inline and on workers", async function () {
    this.timeout(120_000);
    const stored = JSON.parse(
      readFileSync(new URL('./fixtures/aws-sdk-raw-aes-vectors.json', import.meta.url), 'utf8'),
    ) as {
      keyNamespace: string;
      keyName: string;
      wrappingKey: string;
      encryptionContext: Record<string, string>;
      plaintext: string;
      vectors: { suiteId: number; ciphertext: string }[];
    };
    const theirs = new RawAesKeyring({
      keyNamespace: stored.keyNamespace,
      keyName: stored.keyName,
      wrappingKey: Buffer.from(stored.wrappingKey, 'hex'),
    });
    const options = {
      keyring: theirs,
      commitmentPolicy: 'require-encrypt-allow-decrypt',
      requiredEncryptionContext: stored.encryptionContext,
    } as const;
    for (const vector of stored.vectors) {
      writeFileSync(path('theirs'), Buffer.from(vector.ciphertext, 'base64'));
      for (const [mode, parallel] of MODES) {
        fresh('out');
        const { header } = await decryptFile(path('theirs'), path('out'), { ...options, parallel });
        expect(header.suite.id, mode).to.equal(vector.suiteId);
        expect(readFileSync(path('out')).toString('base64'), `${vector.suiteId} ${mode}`).to.equal(
          stored.plaintext,
        );
      }
    }
  });

  it('refuses an output that already holds something, and leaves it as it was', async () => {
    writeFileSync(path('plain'), randomBytes(100));
    writeFileSync(path('precious'), 'keep me');
    const error = await outcome(encryptFile(path('plain'), path('precious'), { keyring, parallel: workers }));
    expect(error).to.be.instanceOf(Error).with.property('code', 'ENVELOPE_INVALID_ARGUMENT');
    expect(readFileSync(path('precious'), 'utf8')).to.equal('keep me');
    // an empty file made for the output (a temporary file) is taken
    writeFileSync(path('empty'), '');
    await encryptFile(path('plain'), path('empty'), { keyring, parallel: workers });
    expect(readFileSync(path('empty')).length).to.be.greaterThan(100);
  });

  it('refuses to write over its own input', async () => {
    writeFileSync(path('plain'), randomBytes(100));
    const error = await outcome(encryptFile(path('plain'), path('plain'), { keyring, parallel: workers }));
    expect(error).to.be.instanceOf(Error).with.property('code', 'ENVELOPE_INVALID_ARGUMENT');
    expect(readFileSync(path('plain')).length).to.equal(100);
    expect(readdirSync(dir)).to.deep.equal(['plain']);
  });

  for (const [mode, parallel] of MODES) {
    it(`${mode}: refuses an output that is a symbolic link, and writes nothing through it`, async () => {
      // A failed decrypt removes its output; through a link that would remove the link and leave the
      // plaintext written so far in the file it points to.
      writeFileSync(path('plain'), randomBytes(3 * framesPerJob(F) * F + 100));
      fresh('message', 'damaged', 'target', 'link');
      await encryptFile(path('plain'), path('message'), { keyring, suiteId: UNSIGNED, frameLength: F });
      const damaged = readFileSync(path('message'));
      damaged[damaged.length - 20]! ^= 1; // the last frame's tag: every earlier run verifies
      writeFileSync(path('damaged'), damaged);
      symlinkSync(path('target'), path('link')); // dangling: the file would be created through it
      const dangling = await outcome(decryptFile(path('damaged'), path('link'), { keyring, parallel }));
      expect(dangling).to.be.instanceOf(InvalidArgumentError);
      expect((dangling as Error).message).to.match(/symbolic link/);
      expect(existsSync(path('target')), 'nothing written through the link').to.equal(false);
      writeFileSync(path('target'), ''); // an empty file behind the link
      const empty = await outcome(decryptFile(path('damaged'), path('link'), { keyring, parallel }));
      expect(empty).to.be.instanceOf(InvalidArgumentError);
      expect(readFileSync(path('target')).length).to.equal(0);
      expect(lstatSync(path('link')).isSymbolicLink()).to.equal(true);
      // A FIFO with no reader: refused, not an open that waits forever for one.
      execFileSync('mkfifo', [path('fifo')]);
      const fifo = await outcome(decryptFile(path('damaged'), path('fifo'), { keyring, parallel }));
      expect(fifo).to.be.instanceOf(InvalidArgumentError);
      expect(lstatSync(path('fifo')).isFIFO()).to.equal(true);
      rmSync(path('fifo'));
    });
  }

  it('a stream path that fails mid-message reports its own error, not a closed descriptor', async function () {
    this.timeout(120_000);
    writeFileSync(path('plain'), randomBytes(3 << 20));
    for (const parallel of [undefined, workers]) {
      fresh('message');
      const error = await outcome(
        encryptFile(path('plain'), path('message'), {
          keyring,
          suiteId: SIGNED,
          parallel,
          plaintextLength: 1000,
        }),
      );
      expect(error, `parallel: ${JSON.stringify(parallel)}`).to.be.instanceOf(LimitExceededError);
      expect(existsSync(path('message'))).to.equal(false);
    }
  });

  it('an I/O error in a file job keeps its code and syscall, inline and on a worker (not WorkerFailedError)', async () => {
    writeFileSync(path('plain'), randomBytes(F + 5));
    const suite = getSuite(UNSIGNED);
    const key = randomBytes(32);
    const messageId = randomBytes(32);
    const job = {
      firstSequenceNumber: 1,
      regular: 1,
      final: true,
      finalLength: 5,
      plaintextOffset: 0,
      ciphertextOffset: 0,
    };
    const BAD = 999_999; // no such descriptor in this process, whose threads share one table
    const input = openSync(path('plain'), 'r');
    const pool = new FramePool(2);
    try {
      pool.installKey(0, suite.id, key, messageId, F);
      // seal: the read works, the positional write fails; open: the positional read fails
      const cases: [direction: 'seal' | 'open', files: FilePair, syscall: string][] = [
        ['seal', { input, output: BAD, inputSize: F + 5 }, 'write'],
        ['open', { input: BAD, output: BAD, inputSize: F + 5 }, 'read'],
      ];
      for (const [direction, files, syscall] of cases) {
        const slot = { suite, key: Buffer.from(key), messageId, frameLength: F };
        const inline = await outcome(runFileJobs(direction, slot, files, [job], () => {}));
        const onWorker = await outcome(pool.file(`${direction}-file`, 0, files, job).settled);
        for (const [where, error] of [
          ['inline', inline],
          ['worker', onWorker],
        ] as const) {
          expect(error, `${direction} ${where}`).to.be.instanceOf(Error);
          expect(error, `${direction} ${where}`).not.to.be.instanceOf(WorkerFailedError);
          expect(error, `${direction} ${where}`).to.include({ code: 'EBADF' });
          expect((error as NodeJS.ErrnoException).syscall, `${direction} ${where}`).to.match(
            new RegExp(`^${syscall}`),
          );
        }
        expect((onWorker as Error).message).to.equal((inline as Error).message);
        expect((onWorker as NodeJS.ErrnoException).syscall).to.equal(
          (inline as NodeJS.ErrnoException).syscall,
        );
      }
    } finally {
      closeSync(input);
      await pool.close();
    }
  });

  describe('onProgress', () => {
    const plaintext = randomBytes(3 * framesPerJob(F) * F + 777);
    const ways = [
      ['0x0478 on one thread (jobs inline)', UNSIGNED, undefined],
      ['0x0478 on 2 workers', UNSIGNED, workers],
      ['0x0578 on one thread (the stream fallback)', SIGNED, undefined],
      ['0x0578 on 2 workers (the stream pool)', SIGNED, workers],
    ] as const;
    for (const [name, suiteId, parallel] of ways) {
      it(`${name}: counts the plaintext, non-decreasing, up to its length, for encrypt and decrypt`, async function () {
        this.timeout(120_000);
        writeFileSync(path('plain'), plaintext);
        const sealed: number[] = [];
        await encryptFile(path('plain'), path('message'), {
          keyring,
          suiteId,
          frameLength: F,
          parallel,
          onProgress: (done) => sealed.push(done),
        });
        const opened: number[] = [];
        await decryptFile(path('message'), path('out'), {
          keyring,
          parallel,
          onProgress: (done) => opened.push(done),
        });
        expect(readFileSync(path('out')).equals(plaintext)).to.equal(true);
        for (const [direction, counts] of [
          ['encrypt', sealed],
          ['decrypt', opened],
        ] as const) {
          expect(counts.length, `${direction}: a count per job or chunk`).to.be.greaterThan(1);
          expect(counts.at(-1), `${direction}: ends at the plaintext length`).to.equal(plaintext.length);
          expect(
            counts.every((n, i) => i === 0 || n >= counts[i - 1]!),
            `${direction}: non-decreasing ${counts}`,
          ).to.equal(true);
        }
      });

      it(`${name}: an empty file is counted too: one call, 0`, async () => {
        writeFileSync(path('empty-plain'), '');
        fresh('empty-message', 'empty-out');
        const sealed: number[] = [];
        const opened: number[] = [];
        await encryptFile(path('empty-plain'), path('empty-message'), {
          keyring,
          suiteId,
          parallel,
          onProgress: (done) => sealed.push(done),
        });
        await decryptFile(path('empty-message'), path('empty-out'), {
          keyring,
          parallel,
          onProgress: (done) => opened.push(done),
        });
        expect({ sealed, opened }).to.deep.equal({ sealed: [0], opened: [0] });
      });

      it(`${name}: a callback that throws fails the operation and leaves no output`, async function () {
        this.timeout(120_000);
        writeFileSync(path('plain'), plaintext);
        const boom = new Error('progress callback failed');
        const throwing = (done: number) => {
          if (done > 0) throw boom;
        };
        const options = { keyring, suiteId, frameLength: F, parallel };
        expect(
          await outcome(encryptFile(path('plain'), path('message'), { ...options, onProgress: throwing })),
        ).to.equal(boom);
        expect(existsSync(path('message')), 'no message left').to.equal(false);
        await encryptFile(path('plain'), path('message'), options);
        expect(
          await outcome(decryptFile(path('message'), path('out'), { ...options, onProgress: throwing })),
        ).to.equal(boom);
        expect(existsSync(path('out')), 'no plaintext left').to.equal(false);
      });
    }
  });
});
