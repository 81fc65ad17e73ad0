import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SmallMessageRequest, SmallMessageSide } from './small-message-process.js';

/**
 * One side of the 1 KiB comparison (Envelope or the AWS Encryption SDK) in a child process, run one
 * batch at a time. Each side gets a fresh heap of its own: in one shared process, the garbage one
 * side's batch leaves (the AWS SDK's streams make several times Envelope's) is collected during the
 * other side's next batch and billed to it, and the side that runs in the bench's own process carries
 * the heap of every benchmark before it. Batches still alternate, so load on the machine hits both
 * sides alike. CPU time is the child's own.
 */
export class SmallMessageProcess {
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
  }

  static async start(
    side: SmallMessageSide,
    wrappingKey: Buffer,
    suiteId: number,
    plaintext: Buffer,
  ): Promise<SmallMessageProcess> {
    // The child inherits this process's loader flags (tsx, source conditions).
    const child = fork(fileURLToPath(new URL('./small-message-process.ts', import.meta.url)), {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const process = new SmallMessageProcess(child);
    try {
      await process.#request({
        op: 'init',
        side,
        wrappingKey: wrappingKey.toString('base64'),
        suiteId,
        plaintext: plaintext.toString('base64'),
      });
    } catch (error) {
      process.stop();
      throw error;
    }
    return process;
  }

  /** Milliseconds of the child's CPU time per call over `reps` encrypts (or decrypts). */
  batch(op: 'encrypt' | 'decrypt', reps: number): Promise<number> {
    return this.#request({ op, reps });
  }

  stop(): void {
    this.#child.kill();
  }

  #request(request: SmallMessageRequest): Promise<number> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`benchmark child process exited (${code})`));
      this.#child.once('exit', onExit);
      this.#child.once('message', (reply: { ms: number }) => {
        this.#child.off('exit', onExit);
        resolve(reply.ms);
      });
      this.#child.send(request);
    });
  }
}
