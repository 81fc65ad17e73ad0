import { inspectMessage } from '@envelope/core';
import { openInput } from '../io/streams.js';
import { type Reporter, summarizeHeader } from '../report.js';
import { forTerminal as t } from '../terminal-text.js';

/**
 * Prints a message's header — suite, frame length, context, each wrapped key with its provider,
 * cloud and location — without keys. The context and provider ids come from an unauthenticated
 * header: each is escaped for the terminal.
 */
export async function inspectCommand(input: string | undefined, report: Reporter) {
  const { stream, name } = await openInput(input);
  try {
    const parsed = await inspectMessage(stream);
    const summary = summarizeHeader(parsed.header);
    const lines = [
      `${t(name)}: Envelope / AWS Encryption SDK message, format v${summary.messageFormat}`,
      `  suite            ${summary.suite} ${summary.suiteName}`,
      `  message id       ${summary.messageId}`,
      `  body             ${summary.framed ? `framed, frame length ${summary.frameLength}` : 'non-framed'}`,
      `  context          ${Object.keys(summary.encryptionContext).length ? '' : '(empty)'}`,
      ...Object.entries(summary.encryptionContext).map(([k, v]) => `    ${t(k)} = ${t(v)}`),
      `  wrapped data keys ${summary.encryptedDataKeys.length}`,
      ...summary.encryptedDataKeys.map(
        (edk) => `    ${t(edk.providerId)}  ${t(edk.cloud)}  ${t(edk.location)}  ${t(edk.key)}`,
      ),
    ];
    report.done(lines.join('\n'), { operation: 'inspect', input: name, ...summary });
  } finally {
    stream.destroy();
  }
}
