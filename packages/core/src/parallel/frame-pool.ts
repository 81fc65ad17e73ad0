import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  BodyFormatError,
  DecryptionFailedError,
  InvalidArgumentError,
  WorkerFailedError,
} from '../errors.js';
import type { FileJob } from './file-layout.js';
import type { Slab } from './slab-ring.js';
import type { FromWorker, KeyMessage, OpenFrame, ToWorker, WorkerFailure } from './worker-protocol.js';

/**
 * Where the worker script is: beside this module, with this module's extension — `frame-worker.ts`
 * in the workspace sources, `frame-worker.js` in the built `dist/`, and, inside a bundle (the CLI's
 * `envelope.mjs`), the `frame-worker.mjs` entry the bundler emits beside it.
 */
export function defaultWorkerUrl(): URL {
  const extension = /\.[cm]?[jt]s$/.exec(new URL(import.meta.url).pathname)?.[0] ?? '.js';
  return new URL(`./frame-worker${extension}`, import.meta.url);
}

interface Pending {
  readonly resolve: (pieces: Buffer[]) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker {
  readonly thread: Worker;
  readonly pending: Map<number, Pending>;
  /** Settles when the thread has exited, for whatever reason. */
  readonly exited: Promise<void>;
}

/**
 * A fixed set of frame worker threads for one message (or one rewrap). A job goes to the worker
 * with the fewest jobs pending (round-robin among equals), so a worker slowed by other load on the
 * machine gets fewer; each returns a promise of its output pieces. The first failure of any worker fails every pending job
 * with a {@link WorkerFailedError} and terminates the pool. Threads are unreferenced while they have
 * no job, so a pool its owner forgot to close never keeps the process alive.
 */
export class FramePool {
  readonly #workers: PoolWorker[] = [];
  #nextJob = 0;
  #nextSlab = 0;
  #failure: Error | undefined;
  #closed = false;

  constructor(workers: number, workerUrl: URL = defaultWorkerUrl()) {
    for (let i = 0; i < workers; i++) this.#workers.push(this.#start(workerUrl));
  }

  get size(): number {
    return this.#workers.length;
  }

  /**
   * Sends a content key to every worker. Each gets its own copy in a fresh ArrayBuffer that is
   * transferred (detached here, so no copy stays on this thread); the worker zero-fills it on close.
   * The caller keeps and zero-fills its own `key`.
   */
  installKey(slot: number, suiteId: number, key: Buffer, messageId: Buffer, frameLength: number): void {
    for (const worker of this.#workers) {
      const copy = new ArrayBuffer(key.length);
      key.copy(new Uint8Array(copy));
      // The message id as a copy: a view of the input would be posted with its whole ArrayBuffer.
      const message: KeyMessage = {
        type: 'key',
        slot,
        suiteId,
        key: copy,
        messageId: new Uint8Array(messageId),
        frameLength,
      };
      worker.thread.postMessage(message, [copy]);
    }
  }

  /** A new SharedArrayBuffer of `size` bytes, shared once with every worker (see SlabRing). */
  shareSlab(size: number): Slab {
    const buffer = new SharedArrayBuffer(size);
    const id = this.#nextSlab++;
    for (const worker of this.#workers)
      worker.thread.postMessage({ type: 'slab', id, buffer } satisfies ToWorker);
    return { id, bytes: Buffer.from(buffer) };
  }

  dropSlab(id: number): void {
    for (const worker of this.#workers)
      worker.thread.postMessage({ type: 'drop-slab', id } satisfies ToWorker);
  }

  /** Seals the first `length` bytes of `slab` into frames; resolves to them serialized, in order. */
  seal(
    slot: number,
    slab: Slab,
    length: number,
    firstSequenceNumber: number,
    regular: number,
    final: boolean,
  ): Promise<Buffer[]> {
    return this.#run((id) => ({
      type: 'seal',
      id,
      slot,
      slab: slab.id,
      length,
      firstSequenceNumber,
      regular,
      final,
    }));
  }

  /** Opens the frames laid out from the start of `slab`; resolves to one plaintext per frame. */
  open(slot: number, slab: Slab, frames: readonly OpenFrame[]): Promise<Buffer[]> {
    return this.#run((id) => ({ type: 'open', id, slot, frames, slab: slab.id }));
  }

  /**
   * Runs a file-mode job: the worker reads `input` and writes `output` (file descriptors of this
   * process) itself; resolves once its output is written.
   */
  file(
    direction: 'seal-file' | 'open-file',
    slot: number,
    files: { readonly input: number; readonly output: number },
    job: FileJob,
  ): Promise<unknown> {
    return this.#run((id) => ({
      ...job,
      type: direction,
      id,
      slot,
      input: files.input,
      output: files.output,
    }));
  }

  /** Stops every worker: each zero-fills its keys and exits; one that does not within a second is terminated. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail(new WorkerFailedError('The parallel frame pool was closed before this job finished.'));
    await Promise.all(
      this.#workers.map(async ({ thread, exited }) => {
        thread.postMessage({ type: 'close' } satisfies ToWorker);
        thread.ref(); // until it exits: the close must complete
        const timer = setTimeout(() => void thread.terminate(), 1000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  #run(message: (id: number) => ToWorker): Promise<Buffer[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextJob++;
    let worker = this.#workers[id % this.#workers.length]!;
    for (const other of this.#workers) if (other.pending.size < worker.pending.size) worker = other;
    const job = message(id);
    return new Promise<Buffer[]>((resolve, reject) => {
      worker.pending.set(id, { resolve, reject });
      if (worker.pending.size === 1) worker.thread.ref();
      worker.thread.postMessage(job);
    });
  }

  #start(workerUrl: URL): PoolWorker {
    const thread = new Worker(workerScript(workerUrl), { eval: true });
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    const worker: PoolWorker = { thread, pending: new Map(), exited };
    thread.unref();
    thread.on('message', (reply: FromWorker) => {
      const job = worker.pending.get(reply.id);
      if (!job) return;
      worker.pending.delete(reply.id);
      if (worker.pending.size === 0) thread.unref();
      if ('pieces' in reply) job.resolve(reply.pieces.map((piece) => Buffer.from(piece)));
      else if (reply.failure === 'auth') job.reject(new DecryptionFailedError());
      else if (reply.failure.code === 'ENVELOPE_BODY_INVALID')
        job.reject(new BodyFormatError(reply.failure.message));
      else if (reply.failure.code === 'ENVELOPE_INVALID_ARGUMENT')
        job.reject(new InvalidArgumentError(reply.failure.message));
      else if (reply.failure.syscall !== undefined) job.reject(systemError(reply.failure));
      else job.reject(new WorkerFailedError(`A frame worker failed: ${reply.failure.message}`));
    });
    thread.on('error', (error) =>
      this.#fail(
        new WorkerFailedError(
          (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND'
            ? `The frame worker script ${workerUrl.href} was not found. If @envelope/core is bundled, emit a frame-worker entry beside the bundle (see docs/streaming.md) or pass parallel.workerUrl; or turn the parallel mode off.`
            : `A frame worker thread failed: ${error.message}`,
          { cause: error },
        ),
      ),
    );
    thread.on('exit', (code) => {
      if (!this.#closed) {
        this.#fail(
          new WorkerFailedError(
            `A frame worker thread stopped unexpectedly (exit code ${code}); the stream was abandoned. Retry, or turn the parallel mode off.`,
          ),
        );
      }
    });
    return worker;
  }

  /** Rejects every pending job with `error` and terminates the workers (the first failure wins). */
  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const worker of this.#workers) {
      for (const job of worker.pending.values()) job.reject(error);
      worker.pending.clear();
      if (!this.#closed) void worker.thread.terminate();
    }
  }
}

/**
 * A worker's system error (a file job's read or write: ENOSPC, EIO, EBADF …) raised again as the
 * plain Error with `code`, `syscall` and `errno` that the same job run inline throws, so a caller
 * (the CLI's exit codes) sees one error whichever thread did the I/O. The pool carries on: the job's
 * caller decides.
 */
function systemError(failure: Exclude<WorkerFailure, 'auth'>): NodeJS.ErrnoException {
  const { message, code, syscall, errno } = failure;
  return Object.assign(new Error(message), { code, syscall, ...(errno === undefined ? {} : { errno }) });
}

/**
 * The worker's bootstrap. The built script is imported as it is; a TypeScript source (the workspace,
 * run under tsx) first registers tsx in the worker, since Node 20 does not carry `--import` hooks
 * into worker threads.
 */
function workerScript(workerUrl: URL): string {
  const target = JSON.stringify(workerUrl.href);
  if (!workerUrl.pathname.endsWith('.ts')) return `import(${target});`;
  const tsx = JSON.stringify(tsxEsmApi().href);
  return `import(${tsx}).then((tsx) => { (tsx.register ?? tsx.default.register)(); return import(${target}); });`;
}

/**
 * tsx's ESM API (its `import` export). Found through its package.json: these sources may themselves
 * run as CommonJS under tsx (no import.meta.resolve), and its CommonJS API cannot register in a worker.
 */
function tsxEsmApi(): URL {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return new URL(exports['./esm/api']!.import.default, pathToFileURL(manifest));
}
