import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  BodyFormatError,
  DecryptionFailedError,
  InvalidArgumentError,
  WorkerFailedError,
} from '../errors.js';
import type { FileJob } from './file-layout.js';
import type { Slab } from './slab-ring.js';
import {
  claimFileJob,
  type FromWorker,
  type KeyMessage,
  type OpenFrame,
  type ToWorker,
  type WorkerFailure,
} from './worker-protocol.js';

/**
 * The single-file CommonJS worker script the build emits beside the built modules (`dist/parallel/`;
 * the CLI's build beside `envelope.mjs`). A worker started from it reads one file and needs no ES
 * module loader: 11 ms of the worker thread's CPU to load, against 30 ms for the nine ES modules of
 * `frame-worker.js` (the thread's own start-up, ≈ 60 ms, comes before either).
 */
const BUNDLED_WORKER = 'frame-worker.cjs';

/**
 * Where the worker script is, beside `moduleUrl` (this module): the bundled {@link BUNDLED_WORKER}
 * when there is one (the built `dist/`, the CLI), otherwise `frame-worker` with this module's
 * extension — `frame-worker.ts` in the workspace sources (under tsx), and, inside an application's
 * bundle, the `frame-worker` entry it emits beside it (see docs/streaming.md).
 */
export function defaultWorkerUrl(moduleUrl: string = import.meta.url): URL {
  const bundled = new URL(`./${BUNDLED_WORKER}`, moduleUrl);
  if (bundled.protocol === 'file:' && existsSync(fileURLToPath(bundled))) return bundled;
  const extension = /\.[cm]?[jt]s$/.exec(new URL(moduleUrl).pathname)?.[0] ?? '.js';
  return new URL(`./frame-worker${extension}`, moduleUrl);
}

/** A file job queued on a worker (see FramePool.file). */
export interface QueuedFileJob {
  /**
   * Settles once the worker has run the job (its output written) or, when it was taken back, once
   * the worker has reached and skipped it; rejects with the job's failure or the pool's.
   */
  readonly settled: Promise<unknown>;
  /** Whether {@link takeBack} succeeded: the job is then the caller's to run, and the worker's never. */
  readonly takenBack: boolean;
  /** Takes the job back if the worker has not started it (atomically, see claimFileJob): true when the caller must run it now. */
  takeBack(): boolean;
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
  /** Settles when the worker has said `closed` (its keys are zero-filled) or has exited. */
  readonly closed: Promise<void>;
  /** Whether the worker has said `ready`; until then what it is sent waits in `outbox`. */
  ready: boolean;
  readonly outbox: [message: ToWorker, transfer: ArrayBuffer[]][];
}

/**
 * A fixed set of frame worker threads for one message (or one rewrap). A job goes to the worker
 * with the fewest jobs pending (round-robin among equals) among those that are ready (any, while
 * none is), so a worker slowed by other load on the machine gets fewer; each returns a promise of
 * its output pieces. Nothing is posted to a worker before it says it is ready: what it is sent
 * until then (its copy of a key included) waits on this thread, so a pool closed before a worker
 * started never waits for that start, and the key copy is zero-filled here. The first failure of
 * any worker fails every pending job with a {@link WorkerFailedError} and terminates the pool.
 * Threads are unreferenced while they have no job, so a pool its owner forgot to close never keeps
 * the process alive.
 */
export class FramePool {
  readonly #workers: PoolWorker[] = [];
  #nextJob = 0;
  #nextSlab = 0;
  #failure: Error | undefined;
  #closed = false;

  /**
   * Starts `workers` threads. A `file:` worker script that does not exist is refused here, at once,
   * with a {@link WorkerFailedError} naming it, so a misplaced script fails every call the same way
   * rather than only those that wait for a worker.
   */
  constructor(workers: number, workerUrl: URL = defaultWorkerUrl()) {
    if (workerUrl.protocol === 'file:' && !existsSync(fileURLToPath(workerUrl))) {
      throw new WorkerFailedError(missingScript(workerUrl));
    }
    for (let i = 0; i < workers; i++) this.#workers.push(this.#start(workerUrl));
  }

  get size(): number {
    return this.#workers.length;
  }

  /**
   * Why the pool failed (a worker that could not start, crashed or exited), or undefined while it has
   * not; closing it is not a failure.
   */
  get failure(): Error | undefined {
    return this.#closed ? undefined : this.#failure;
  }

  /** Workers that have started and take jobs now; 0 once the pool has failed or is closed. */
  get readyWorkers(): number {
    if (this.#failure || this.#closed) return 0;
    let ready = 0;
    for (const worker of this.#workers) if (worker.ready) ready++;
    return ready;
  }

  /**
   * Sends a content key to every worker. Each gets its own copy in a fresh ArrayBuffer that is
   * transferred once the worker is ready (detached here then, so no copy stays on this thread; one
   * still waiting when the pool closes is zero-filled here); the worker zero-fills it on close.
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
      this.#post(worker, message, [copy]);
    }
  }

  /** A new SharedArrayBuffer of `size` bytes, shared once with every worker (see SlabRing). */
  shareSlab(size: number): Slab {
    const buffer = new SharedArrayBuffer(size);
    const id = this.#nextSlab++;
    for (const worker of this.#workers) this.#post(worker, { type: 'slab', id, buffer });
    return { id, bytes: Buffer.from(buffer) };
  }

  dropSlab(id: number): void {
    for (const worker of this.#workers) this.#post(worker, { type: 'drop-slab', id });
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
   * Queues a file-mode job on a worker, which reads `input` and writes `output` (file descriptors of
   * this process) itself. Until the worker starts it, the caller may take it back to run it itself
   * (see {@link QueuedFileJob}).
   */
  file(
    direction: 'seal-file' | 'open-file',
    slot: number,
    files: { readonly input: number; readonly output: number },
    job: FileJob,
  ): QueuedFileJob {
    const claim = new SharedArrayBuffer(4);
    let takenBack = false;
    const settled = this.#run((id) => ({
      ...job,
      type: direction,
      id,
      slot,
      input: files.input,
      output: files.output,
      claim,
    }));
    return {
      settled,
      get takenBack() {
        return takenBack;
      },
      takeBack: () => (takenBack ||= claimFileJob(claim)),
    };
  }

  /**
   * Stops every worker, and resolves once no worker holds a key or can touch a job's files: a ready
   * worker is told to close, zero-fills its keys and says so (`closed`), then exits on its own,
   * unreferenced (one that does not answer within a second is terminated and waited for); a worker
   * that never became ready was posted nothing, so its waiting key copies are zero-filled here and it
   * is terminated without waiting for its start; after a failure, the terminated workers that were
   * ready are waited for until they have exited, since one may still be inside a job's read or write.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    const failed = this.#failure !== undefined;
    this.#closed = true;
    this.#fail(new WorkerFailedError('The parallel frame pool was closed before this job finished.'));
    await Promise.all(
      this.#workers.map(async (worker) => {
        const { thread, exited, closed } = worker;
        if (!worker.ready) return void thread.terminate(); // nothing was posted to it
        if (failed) return exited;
        thread.postMessage({ type: 'close' } satisfies ToWorker);
        thread.ref(); // until it answers: the close must complete
        const timer = setTimeout(() => void thread.terminate(), 1000);
        await closed;
        clearTimeout(timer);
        thread.unref();
      }),
    );
  }

  #run(message: (id: number) => ToWorker): Promise<Buffer[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextJob++;
    const ready = this.#workers.filter((worker) => worker.ready);
    const candidates = ready.length > 0 ? ready : this.#workers;
    let worker = candidates[id % candidates.length]!;
    for (const other of candidates) if (other.pending.size < worker.pending.size) worker = other;
    const job = message(id);
    return new Promise<Buffer[]>((resolve, reject) => {
      worker.pending.set(id, { resolve, reject });
      if (worker.pending.size === 1) worker.thread.ref();
      this.#post(worker, job);
    });
  }

  /** Posts to a ready worker; keeps the message, in order, for one not ready yet. */
  #post(worker: PoolWorker, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (worker.ready) worker.thread.postMessage(message, transfer);
    else worker.outbox.push([message, transfer]);
  }

  #start(workerUrl: URL): PoolWorker {
    const thread = new Worker(workerScript(workerUrl), { eval: true });
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    let saidClosed = () => {};
    const closed = Promise.race([exited, new Promise<void>((resolve) => (saidClosed = resolve))]);
    const worker: PoolWorker = { thread, pending: new Map(), exited, closed, ready: false, outbox: [] };
    thread.unref();
    thread.on('message', (reply: FromWorker) => {
      if ('type' in reply) {
        if (reply.type === 'closed') return saidClosed();
        if (this.#closed || this.#failure) return;
        worker.ready = true;
        for (const [message, transfer] of worker.outbox.splice(0)) thread.postMessage(message, transfer);
        return;
      }
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
            ? missingScript(workerUrl)
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

  /**
   * Rejects every pending job with `error`, drops what waits for a worker not ready yet (zero-filling
   * its key copies), and terminates the workers unless the pool is closing (the first failure wins).
   */
  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const worker of this.#workers) {
      for (const job of worker.pending.values()) job.reject(error);
      worker.pending.clear();
      for (const [message] of worker.outbox.splice(0)) {
        if (message.type === 'key') new Uint8Array(message.key).fill(0);
      }
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

function missingScript(workerUrl: URL): string {
  return `The frame worker script ${workerUrl.href} was not found. If @envelope/core is bundled, emit a frame-worker entry beside the bundle (see docs/streaming.md) or pass parallel.workerUrl; or turn the parallel mode off.`;
}

/**
 * The worker's bootstrap (an `eval`ed CommonJS script). A `.cjs` file is required as it is, with no
 * ES module loader started in the thread; another built script is imported; a TypeScript source (the
 * workspace, run under tsx) first registers tsx in the worker, since Node 20 does not carry
 * `--import` hooks into worker threads.
 */
function workerScript(workerUrl: URL): string {
  const target = JSON.stringify(workerUrl.href);
  if (workerUrl.protocol === 'file:' && workerUrl.pathname.endsWith('.cjs')) {
    return `require(${JSON.stringify(fileURLToPath(workerUrl))});`;
  }
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
