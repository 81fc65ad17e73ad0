import { Duplex } from 'node:stream';
import { createEnvelope } from '@envelope/config';
import { type MessageHeader, rewrapMessage } from '@envelope/core';
import { type IoOptions, runPipeline } from '../io/streams.js';
import { type Reporter, summarizeHeader } from '../report.js';

export interface RewrapCommandOptions extends IoOptions {
  /** Config whose keyring can unwrap the message's data key. */
  readonly config: string;
  /** Config whose keyring wraps the data key anew (the message's new master keys). */
  readonly to?: string;
  /** Keep the message's existing wrapped keys (unsigned suites only). */
  readonly keepExisting?: boolean;
  readonly remove?: string[];
}

/** Replaces, adds or removes master keys by rewriting only the header; the body is copied unchanged. */
export async function rewrapCommand(
  input: string | undefined,
  options: RewrapCommandOptions,
  report: Reporter,
) {
  const from = await createEnvelope({ configFile: options.config });
  const to = options.to ? await createEnvelope({ configFile: options.to }) : undefined;
  const removed = options.remove ?? [];
  let before: MessageHeader | undefined;
  let after: MessageHeader | undefined;
  const stream = Duplex.from(async function* (source: AsyncIterable<Uint8Array>) {
    yield* rewrapMessage(
      source,
      {
        materialsManager: from.materialsManager,
        ...(to ? { newKeyring: to.keyring } : {}),
        keep: (edk) =>
          (options.keepExisting ?? !to) &&
          !removed.some((name) => edk.providerInfo.toString('latin1').includes(name)),
      },
      (b, a) => {
        before = b;
        after = a;
      },
    );
  });
  const result = await runPipeline('rewrap', input, stream, options);
  report.done(`rewrapped ${input ?? 'stdin'} -> ${result.output}`, {
    operation: 'rewrap',
    input: input ?? 'stdin',
    output: result.output,
    ...(before ? { before: summarizeHeader(before).encryptedDataKeys } : {}),
    ...(after ? { after: summarizeHeader(after).encryptedDataKeys } : {}),
  });
}
