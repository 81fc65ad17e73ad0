import type { MessageHeader } from '@envelope/core';
import { fileModeFiles, runFileMode } from '../io/file-mode.js';
import { messageSuite } from '../io/message-suite.js';
import { type ParallelFlags, parallelFor } from '../io/parallel-choice.js';
import { type IoOptions, runPipeline } from '../io/streams.js';
import { openEnvelope } from '../open-envelope.js';
import { type Reporter, summarizeHeader } from '../report.js';

export interface DecryptCommandOptions extends IoOptions, ParallelFlags {
  readonly config: string;
  readonly requireContext?: Record<string, string>;
  /** The reproduced encryption context (pairs authenticated but not stored in the message). */
  readonly reproduceContext?: Record<string, string>;
}

export async function decryptCommand(
  input: string | undefined,
  options: DecryptCommandOptions,
  report: Reporter,
) {
  const envelope = await openEnvelope(options.config);
  const files = await fileModeFiles(input, options);
  const parallel = await parallelFor(
    options,
    files && {
      bytes: files.size,
      // A header that does not parse: one thread, and the decrypt itself reports it.
      unsigned: async () => {
        const suite = await messageSuite(files.input);
        return suite !== undefined && suite.signature === undefined;
      },
    },
  );
  const call = {
    requiredEncryptionContext: options.requireContext ?? {},
    parallel,
    ...(options.reproduceContext ? { encryptionContext: options.reproduceContext } : {}),
  };
  let header: MessageHeader | undefined;
  const streamed = () => {
    const stream = envelope.decryptStream(call);
    stream.on('header', (h: MessageHeader) => (header = h));
    return runPipeline('decrypt', input, stream, options);
  };
  // A file → file decrypt reads and writes the files with positional I/O (decryptFile: on the
  // workers with threads, job after job on this thread without); the output appears only once the
  // whole message authenticated. Stdin or stdout streams.
  const viaFiles = await runFileMode('decrypt', files, options, async (from, to, onProgress) => {
    header = (await envelope.decryptFile(from, to, { ...call, onProgress })).header;
  });
  const result = viaFiles ?? (await streamed());
  report.done(`decrypted ${input ?? 'stdin'} -> ${result.output}`, {
    operation: 'decrypt',
    input: input ?? 'stdin',
    output: result.output,
    threads: parallel ? (parallel.workers ?? 1) : 0,
    ...(header ? summarizeHeader(header) : {}),
  });
}
