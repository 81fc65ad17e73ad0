import type { FileJob } from './file-layout.js';

/**
 * Messages between a {@link FramePool} and its frame workers. Job input lies in shared slabs
 * (SharedArrayBuffers sent once, see SlabRing): a job names its slab and the bytes to read. Every
 * other buffer that crosses is an `ArrayBuffer` of its own, transferred (moved, not copied): the
 * sender's view is detached.
 */

/** Shares a slab with a worker under `id` (sent once per slab; the worker keeps a view until dropped). */
export interface SlabMessage {
  readonly type: 'slab';
  readonly id: number;
  readonly buffer: SharedArrayBuffer;
}

/** Forgets a slab (the pool replaced it with a larger one). */
export interface DropSlabMessage {
  readonly type: 'drop-slab';
  readonly id: number;
}

/** Installs a message's content key in a worker under `slot` (sent once per message per worker). */
export interface KeyMessage {
  readonly type: 'key';
  readonly slot: number;
  readonly suiteId: number;
  /** The derived content key: transferred, so the sender keeps no copy; the worker zero-fills it on close. */
  readonly key: ArrayBuffer;
  readonly messageId: Uint8Array;
  readonly frameLength: number;
}

/**
 * Seals `regular` full frames numbered from `firstSequenceNumber`, then, when `final`, the final
 * frame with the rest of the plaintext: the first `length` bytes of slab `slab`. The reply is those
 * frames serialized, in order (per frame: header, ciphertext, tag).
 */
export interface SealMessage {
  readonly type: 'seal';
  readonly id: number;
  readonly slot: number;
  readonly firstSequenceNumber: number;
  readonly regular: number;
  readonly final: boolean;
  readonly slab: number;
  readonly length: number;
}

/** One frame of an open job: its IV and AAD as the frame reader parsed them, and its content length. */
export interface OpenFrame {
  readonly iv: Uint8Array;
  readonly aad: Uint8Array;
  readonly length: number;
}

/**
 * Opens frames whose ciphertext and tag lie one after another from the start of slab `slab`;
 * replies their plaintext, one piece per frame, only if every frame authenticated.
 */
export interface OpenMessage {
  readonly type: 'open';
  readonly id: number;
  readonly slot: number;
  readonly frames: readonly OpenFrame[];
  readonly slab: number;
}

/**
 * A file-mode job (see file-jobs.ts): the worker reads the run's input from file descriptor `input`
 * and writes its output to `output`, both opened by the main thread, at the offsets of `FileJob`.
 * `seal-file` reads plaintext and writes frames; `open-file` reads frames and writes plaintext.
 * `claim` decides who runs it (see {@link claimFileJob}).
 */
interface FileJobFields extends FileJob {
  readonly id: number;
  readonly slot: number;
  readonly input: number;
  readonly output: number;
  readonly claim: SharedArrayBuffer;
}

export interface SealFileMessage extends FileJobFields {
  readonly type: 'seal-file';
}

export interface OpenFileMessage extends FileJobFields {
  readonly type: 'open-file';
}

export type FileJobMessage = SealFileMessage | OpenFileMessage;

/** A file job's claim word: queued on a worker, taken by that worker, or taken back by the main thread. */
const QUEUED = 0;
const TAKEN = 1;

/**
 * Takes a file job for whoever calls this first, the worker as it reaches the job in its queue or the
 * main thread taking back a job the worker has not started (the tail of a run): true for one caller
 * only (an atomic compare-and-exchange on the job's claim word), so each job runs exactly once. The
 * worker skips a job it did not get, replying with no output.
 */
export function claimFileJob(claim: SharedArrayBuffer): boolean {
  return Atomics.compareExchange(new Int32Array(claim), 0, QUEUED, TAKEN) === QUEUED;
}

/** Zero-fill every key and stop: the worker answers `closed` once its keys are wiped, then exits. */
export interface CloseMessage {
  readonly type: 'close';
}

export type ToWorker =
  | KeyMessage
  | SlabMessage
  | DropSlabMessage
  | SealMessage
  | OpenMessage
  | SealFileMessage
  | OpenFileMessage
  | CloseMessage;

/**
 * Why a job failed: a frame did not authenticate ('auth'), or the error's message, with its code when
 * the main thread raises the same typed error (a malformed body, an input that changed), or — for a
 * system error of a file job's read or write — its code, `syscall` and `errno`, as Node set them.
 */
export type WorkerFailure =
  | 'auth'
  | {
      readonly message: string;
      readonly code?: string;
      readonly syscall?: string;
      readonly errno?: number;
    };

/**
 * A job's reply: `pieces` is the job's output, in order (none for a file job: it wrote its output
 * itself, or skipped a job the main thread took back); `failure` says why the job failed.
 */
export type JobReply =
  | { readonly id: number; readonly pieces: readonly ArrayBuffer[] }
  | { readonly id: number; readonly failure: WorkerFailure };

/**
 * What a worker says of itself: `ready` once its code is loaded and it listens (its first message;
 * the pool posts it nothing before), `closed` once it has zero-filled its keys on a close.
 */
export interface WorkerNotice {
  readonly type: 'ready' | 'closed';
}

export type FromWorker = JobReply | WorkerNotice;
