import type { FileJob } from './file-layout.js';

/**
 * Told how far a file → file operation has come: the running total of plaintext bytes processed so
 * far (on decrypt: verified plaintext written to the output). Only a count, never data.
 */
export type FileProgressCallback = (plaintextBytesDone: number) => void;

/** The option `encryptFile` and `decryptFile` add to the encrypt and decrypt options. */
export interface FileProgressOptions {
  /**
   * Called with a running total of plaintext bytes processed: monotonically non-decreasing, at most
   * once per job (≈ 1 MiB of whole frames, in the order jobs complete) or per streamed chunk, and
   * the last call is the whole plaintext length when the operation succeeds. It is given counts
   * only, never data; on decrypt the count is verified plaintext already written to the output. A
   * callback that throws fails the operation like any error (the output file is removed).
   */
  readonly onProgress?: FileProgressCallback;
}

/** A running total of plaintext bytes, reported to `onProgress` (when given) as it grows. */
export class PlaintextProgress {
  #done = 0;
  #told = false;

  constructor(private readonly onProgress: FileProgressCallback | undefined) {}

  add(bytes: number): void {
    this.#done += bytes;
    this.#told = true;
    this.onProgress?.(this.#done);
  }

  /** A job's plaintext: its full frames and, on the last job, the final frame's content. */
  addJob(job: FileJob, frameLength: number): void {
    this.add(job.regular * frameLength + job.finalLength);
  }

  /** Passes `chunks` through unchanged, counting each after the consumer took it. */
  async *count<T extends Uint8Array>(chunks: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
    for await (const chunk of chunks) {
      yield chunk;
      this.add(chunk.length);
    }
    // An empty plaintext has no chunk: the caller is still told its total, 0, as the file mode's
    // one (empty) job tells it.
    if (!this.#told) this.add(0);
  }
}
