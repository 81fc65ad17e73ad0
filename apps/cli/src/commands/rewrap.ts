import { Duplex } from 'node:stream';
import { type RewrapReport, rewrapMessage } from '@envelope/core';
import { type ParallelFlags, parallelFor } from '../io/parallel-choice.js';
import { type IoOptions, runPipeline } from '../io/streams.js';
import { openEnvelope } from '../open-envelope.js';
import { type Reporter, summarizeHeader } from '../report.js';

export interface RewrapCommandOptions extends IoOptions, ParallelFlags {
  /** Config whose keyring can unwrap the message's data key. */
  readonly config: string;
  /** Config whose keyring holds the message's new master keys. */
  readonly to: string;
  /** Keep the data key and its existing wrapped copies; only add `to`'s master keys. */
  readonly add?: boolean;
}

/**
 * Writes the message anew for another set of master keys: new message id, body re-encrypted in one
 * streaming pass; a fresh data key unless `--add` (see rewrapMessage in @envelope/core).
 */
export async function rewrapCommand(
  input: string | undefined,
  options: RewrapCommandOptions,
  report: Reporter,
) {
  const from = await openEnvelope(options.config);
  const to = await openEnvelope(options.to);
  let rewrap: RewrapReport | undefined;
  const parallel = await parallelFor(options, undefined); // rewrap streams: auto is one thread
  const stream = Duplex.from(async function* (source: AsyncIterable<Uint8Array>) {
    yield* rewrapMessage(
      source,
      {
        materialsManager: from.materialsManager,
        newKeyring: to.keyring,
        mode: options.add ? 'add' : 'replace',
        parallel,
        ...(from.config.commitmentPolicy ? { commitmentPolicy: from.config.commitmentPolicy } : {}),
        ...(to.config.suite === undefined ? {} : { suiteId: to.config.suite }),
        ...(to.config.frameLength === undefined ? {} : { frameLength: to.config.frameLength }),
      },
      (r) => (rewrap = r),
    );
  });
  const result = await runPipeline('rewrap', input, stream, options);
  const before = rewrap && summarizeHeader(rewrap.before);
  const after = rewrap && summarizeHeader(rewrap.after);
  const count = (n = 0) => `${n} master key${n === 1 ? '' : 's'}`;
  const how =
    rewrap?.dataKey === 'kept'
      ? `data key kept, ${count(after?.encryptedDataKeys.length)} (${(after?.encryptedDataKeys.length ?? 0) - (before?.encryptedDataKeys.length ?? 0)} added)`
      : `new data key, ${count(after?.encryptedDataKeys.length)}`;
  report.done(`rewrapped ${input ?? 'stdin'} -> ${result.output} (${how})`, {
    operation: 'rewrap',
    input: input ?? 'stdin',
    output: result.output,
    threads: parallel ? (parallel.workers ?? 1) : 0,
    ...(rewrap ? { dataKey: rewrap.dataKey } : {}),
    ...(before && after
      ? {
          messageIdBefore: before.messageId,
          messageIdAfter: after.messageId,
          before: before.encryptedDataKeys,
          after: after.encryptedDataKeys,
        }
      : {}),
  });
}
