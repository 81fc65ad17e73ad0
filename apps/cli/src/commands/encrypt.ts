import { DEFAULT_SUITE_ID, type EncryptDetails, getSuite, type MessageHeader } from '@envelope/core';
import { fileModeFiles, runFileMode } from '../io/file-mode.js';
import { type ParallelFlags, parallelFor } from '../io/parallel-choice.js';
import { type IoOptions, runPipeline } from '../io/streams.js';
import { openEnvelope } from '../open-envelope.js';
import { type Reporter, summarizeHeader } from '../report.js';
import { forTerminal } from '../terminal-text.js';

export interface EncryptCommandOptions extends IoOptions, ParallelFlags {
  readonly config: string;
  readonly context?: Record<string, string>;
}

export async function encryptCommand(
  input: string | undefined,
  options: EncryptCommandOptions,
  report: Reporter,
) {
  const envelope = await openEnvelope(options.config);
  const files = await fileModeFiles(input, options);
  const parallel = await parallelFor(
    options,
    files && {
      bytes: files.size,
      unsigned: async () => getSuite(envelope.config.suite ?? DEFAULT_SUITE_ID).signature === undefined,
    },
  );
  const call = { encryptionContext: options.context ?? {}, parallel };
  let header: MessageHeader | undefined;
  let skipped: EncryptDetails['skippedMasterKeys'] = [];
  const streamed = () => {
    const stream = envelope.encryptStream(call);
    stream.on('header', (h: MessageHeader, details?: EncryptDetails) => {
      header = h;
      skipped = details?.skippedMasterKeys ?? [];
    });
    return runPipeline('encrypt', input, stream, options);
  };
  // A file → file encrypt reads and writes the files with positional I/O (encryptFile: on the
  // workers with threads, job after job on this thread without); stdin or stdout streams.
  const viaFiles = await runFileMode('encrypt', files, options, async (from, to, onProgress) => {
    const done = await envelope.encryptFile(from, to, { ...call, onProgress });
    header = done.header;
    skipped = done.details.skippedMasterKeys;
  });
  const result = viaFiles ?? (await streamed());
  // A multi-keyring with minimumWraps wrote without these master keys: say which and why, so the
  // message can be repaired (rewrap) once they are back.
  const lines = [
    `encrypted ${input ?? 'stdin'} -> ${result.output}`,
    ...skipped.map((s) => `warning: not wrapped by ${forTerminal(s.keyring)}: ${forTerminal(s.reason)}`),
  ];
  report.done(lines.join('\n'), {
    operation: 'encrypt',
    input: input ?? 'stdin',
    output: result.output,
    threads: parallel ? (parallel.workers ?? 1) : 0,
    bytes: result.bytesIn,
    ...(header ? summarizeHeader(header) : {}),
    skippedMasterKeys: skipped,
  });
}
