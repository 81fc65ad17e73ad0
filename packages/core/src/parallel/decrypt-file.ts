import { ContentType, type MessageHeader } from '../format/header.js';
import type { DecryptOptions } from '../options.js';
import { decryptMessage } from '../stream/decrypt-message.js';
import { openDecryption } from '../stream/open-decryption.js';
import { inspectMessage } from '../stream/read-header.js';
import { type FilePair, readInput, withFiles, writeOutput } from './file-io.js';
import { fileJobs, shapeForBody } from './file-layout.js';
import { withFileMode } from './file-mode.js';
import { type FileProgressOptions, PlaintextProgress } from './file-progress.js';
import { decryptMessageParallel } from './parallel-decrypt.js';
import { type ResolvedParallel, resolveParallel } from './parallel-options.js';

/** Chunks in which a message's header is read: the parser asks for more only as it needs them. */
const HEADER_CHUNK_BYTES = 64 * 1024;

/** The options of {@link decryptFile}: those of every decrypt, and a progress callback. */
export interface DecryptFileOptions extends DecryptOptions, FileProgressOptions {}

/**
 * Decrypts the message file `inputPath` into `outputPath` (new, or an empty file). The output holds
 * the plaintext only once the whole message authenticated: on any failure — a frame's tag, the
 * signature, a truncated or extended file, a frame out of place — it is removed, so write to a
 * temporary path and rename it on success to replace a file atomically (the CLI does).
 *
 * An unsigned framed message (0x0478) is decrypted in the file mode: the header is read and
 * authenticated here with the same checks as every decrypt ({@link openDecryption}: limits,
 * commitment, encryption context), the frame count follows from the file's length, and each job
 * reads its run of frames from the input, checks every frame header against its place, opens the
 * frames and writes their plaintext at its offset once the whole run authenticated. Without
 * `parallel` the jobs run on the main thread one after another; with it, on the main thread and a
 * pool of `workers - 1` threads, as in encryptFile. Signed and non-framed messages stream: on
 * the stream pool with `parallel`, on one thread without. `onProgress` (see {@link FileProgressOptions}) counts verified plaintext written: after
 * each job in the file mode, per piece of plaintext on the stream path.
 */
export async function decryptFile(
  inputPath: string,
  outputPath: string,
  options: DecryptFileOptions,
): Promise<{ readonly header: MessageHeader }> {
  const parallel = resolveParallel(options.parallel);
  return withFiles(inputPath, outputPath, async (files) => {
    const progress = new PlaintextProgress(options.onProgress);
    if (await fileModeApplies(files, options)) {
      return decryptFileMode(files, options, parallel, progress);
    }
    let header: MessageHeader | undefined;
    const onHeader = (h: MessageHeader) => (header = h);
    const plaintext = parallel
      ? decryptMessageParallel(readInput(files), options, parallel, onHeader)
      : decryptMessage(readInput(files), options, onHeader);
    await writeOutput(files, progress.count(plaintext));
    return { header: header! };
  });
}

/** Unsigned and framed: read from the header alone, before any key is asked for. */
async function fileModeApplies(files: FilePair, options: DecryptOptions): Promise<boolean> {
  const { header } = await inspectMessage(readInput(files, HEADER_CHUNK_BYTES), options);
  return !header.suite.signature && header.contentType === ContentType.FRAMED;
}

async function decryptFileMode(
  files: FilePair,
  options: DecryptOptions,
  parallel: ResolvedParallel | undefined,
  progress: PlaintextProgress,
): Promise<{ readonly header: MessageHeader }> {
  return withFileMode(parallel, async (mode) => {
    const opened = await openDecryption(readInput(files, HEADER_CHUNK_BYTES), options);
    const { parsed } = opened;
    const { header } = parsed;
    const key = mode.hold(opened.key);
    const { suite, frameLength } = header;
    const shape = shapeForBody(files.inputSize - parsed.length, frameLength, suite);
    // (key, IV) pairs checked: (this message's content key, frame n), n = 1 … count from fileJobs.
    const jobs = fileJobs(shape, frameLength, parsed.length, suite);
    const slot = { suite, key, messageId: header.messageId, frameLength };
    await mode.run('open', slot, files, jobs, progress);
    return { header };
  });
}
