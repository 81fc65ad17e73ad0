import { inspectMessage } from '@envelope/core';
import { openInput } from '../io/streams.js';
import { type Reporter, summarizeHeader } from '../report.js';

/** Prints a message's header — suite, frame length, context, each wrapped key — without keys. */
export async function inspectCommand(input: string | undefined, report: Reporter) {
  const { stream, name } = await openInput(input);
  try {
    const parsed = await inspectMessage(stream);
    const summary = summarizeHeader(parsed.header);
    const lines = [
      `${name}: Envelope / AWS Encryption SDK message, format v${summary.messageFormat}`,
      `  suite            ${summary.suite} ${summary.suiteName}`,
      `  message id       ${summary.messageId}`,
      `  body             ${summary.framed ? `framed, frame length ${summary.frameLength}` : 'non-framed'}`,
      `  context          ${Object.keys(summary.encryptionContext).length ? '' : '(empty)'}`,
      ...Object.entries(summary.encryptionContext).map(([k, v]) => `    ${k} = ${v}`),
      `  wrapped data keys ${summary.encryptedDataKeys.length}`,
      ...summary.encryptedDataKeys.map((edk) => `    ${edk.providerId}  ${edk.key}`),
    ];
    report.done(lines.join('\n'), { operation: 'inspect', input: name, ...summary });
  } finally {
    stream.destroy();
  }
}
