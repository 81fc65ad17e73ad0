import { fstatSync } from 'node:fs';
import { InvalidArgumentError, LimitExceededError } from '../errors.js';
import type { MessageHeader } from '../format/header.js';
import type { EncryptDetails } from '../format/message-format.js';
import type { EncryptOptions } from '../options.js';
import { encryptMessage } from '../stream/encrypt-message.js';
import { openEncryption } from '../stream/open-encryption.js';
import { DEFAULT_SUITE_ID, getSuite } from '../suites/algorithm-suites.js';
import { type FilePair, readInput, withFiles, writeOutput } from './file-io.js';
import { fileJobs, shapeForPlaintext } from './file-layout.js';
import { withFileMode } from './file-mode.js';
import { type FileProgressOptions, PlaintextProgress } from './file-progress.js';
import { encryptMessageParallel } from './parallel-encrypt.js';
import { type ResolvedParallel, resolveParallel } from './parallel-options.js';

/** The options of {@link encryptFile}: those of every encrypt, and a progress callback. */
export interface EncryptFileOptions extends EncryptOptions, FileProgressOptions {}

export interface EncryptFileResult {
  readonly header: MessageHeader;
  readonly details: EncryptDetails;
}

/**
 * Encrypts the regular file `inputPath` into `outputPath` (new, or an empty file; removed if the
 * encrypt fails). An unsigned suite (0x0478) runs in the file mode: the main thread writes the header
 * and numbers the jobs, and each job reads its run of plaintext from the input with a positional
 * read, seals it and writes its frames at their fixed place in the output. Without `parallel` the
 * jobs run on the main thread one after another; with it, on the main thread and a pool of
 * `workers - 1` threads (see runFileJobs): the main thread starts on the first job while the pool
 * starts, and each worker reads and writes the files itself. Signed suites (the signature needs every byte
 * in order) stream: on the stream pool with `parallel`, on one thread without. The bytes are those
 * `encryptStream` makes for the same data key and message id, whichever path runs. `onProgress`
 * (see {@link FileProgressOptions}) counts the plaintext read: after each job in the file mode, per
 * chunk of input on the stream path.
 */
export async function encryptFile(
  inputPath: string,
  outputPath: string,
  options: EncryptFileOptions,
): Promise<EncryptFileResult> {
  const parallel = resolveParallel(options.parallel);
  const suite = getSuite(options.suiteId ?? DEFAULT_SUITE_ID);
  return withFiles(inputPath, outputPath, async (files) => {
    const progress = new PlaintextProgress(options.onProgress);
    if (!suite.signature) return encryptFileMode(files, options, parallel, progress);
    const plaintext = progress.count(readInput(files));
    let result: EncryptFileResult | undefined;
    const onHeader = (header: MessageHeader, details: EncryptDetails) => (result = { header, details });
    const message = parallel
      ? encryptMessageParallel(plaintext, options, parallel, onHeader)
      : encryptMessage(plaintext, options, onHeader);
    await writeOutput(files, message);
    return result!;
  });
}

async function encryptFileMode(
  files: FilePair,
  options: EncryptOptions,
  parallel: ResolvedParallel | undefined,
  progress: PlaintextProgress,
): Promise<EncryptFileResult> {
  return withFileMode(parallel, async (mode) => {
    const opened = await openEncryption(options);
    const { suite, frameLength, materials, plaintextLimit, header, headerBytes } = opened;
    const key = mode.hold(opened.key);
    if (files.inputSize > plaintextLimit) {
      throw new LimitExceededError('More plaintext was given than the declared plaintextLength.');
    }
    const shape = shapeForPlaintext(files.inputSize, frameLength);
    await writeOutput(files, [headerBytes]);
    // (key, IV) pairs: (this message's derived content key, frame n) for n = 1 … count, each n in
    // one job only, as fileJobs numbers them, whichever thread runs the job; the key is derived from
    // a fresh random message id, so no pair repeats.
    const jobs = fileJobs(shape, frameLength, headerBytes.length, suite);
    const slot = { suite, key, messageId: header.messageId, frameLength };
    await mode.run('seal', slot, files, jobs, progress);
    if (files.inputSize !== fstatSync(files.input).size) {
      throw new InvalidArgumentError(
        'The input file changed size while it was being encrypted; encrypt a file nothing else is writing to.',
      );
    }
    return { header, details: { skippedMasterKeys: materials.skippedMasterKeys } };
  });
}
