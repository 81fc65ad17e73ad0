import type { MessageHeader } from '@envelope/core';
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
  const parallel = await parallelFor(input, options);
  const stream = envelope.decryptStream({
    requiredEncryptionContext: options.requireContext ?? {},
    parallel,
    ...(options.reproduceContext ? { encryptionContext: options.reproduceContext } : {}),
  });
  let header: MessageHeader | undefined;
  stream.on('header', (h: MessageHeader) => (header = h));
  const result = await runPipeline('decrypt', input, stream, options);
  report.done(`decrypted ${input ?? 'stdin'} -> ${result.output}`, {
    operation: 'decrypt',
    input: input ?? 'stdin',
    output: result.output,
    threads: parallel ? (parallel.workers ?? 1) : 0,
    ...(header ? summarizeHeader(header) : {}),
  });
}
