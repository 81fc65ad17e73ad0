import type { MessageHeader } from '@envelope/core';
import { type IoOptions, runPipeline } from '../io/streams.js';
import { openEnvelope } from '../open-envelope.js';
import { type Reporter, summarizeHeader } from '../report.js';

export interface EncryptCommandOptions extends IoOptions {
  readonly config: string;
  readonly context?: Record<string, string>;
}

export async function encryptCommand(
  input: string | undefined,
  options: EncryptCommandOptions,
  report: Reporter,
) {
  const envelope = await openEnvelope(options.config);
  const stream = envelope.encryptStream({ encryptionContext: options.context ?? {} });
  let header: MessageHeader | undefined;
  stream.on('header', (h: MessageHeader) => (header = h));
  const result = await runPipeline('encrypt', input, stream, options);
  report.done(`encrypted ${input ?? 'stdin'} -> ${result.output}`, {
    operation: 'encrypt',
    input: input ?? 'stdin',
    output: result.output,
    bytes: result.bytesIn,
    ...(header ? summarizeHeader(header) : {}),
  });
}
