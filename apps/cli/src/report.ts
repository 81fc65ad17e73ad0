import { formatSuiteId, type MessageHeader } from '@envelope/core';
import { describeMasterKey } from './describe-master-key.js';
import { forTerminal, jsonForTerminal } from './terminal-text.js';

/**
 * Prints results as human lines (stderr-friendly) or as one JSON document with --json. Both are
 * safe for a terminal: control and bidi characters in either are printed as visible escapes.
 * Callers that put untrusted values in `human` escape each value themselves (`forTerminal`), so a
 * newline inside a value cannot forge a line.
 */
export class Reporter {
  constructor(private readonly options: { json?: boolean; quiet?: boolean; toStderr?: boolean }) {}

  done(human: string, data: Record<string, unknown>): void {
    if (this.options.json) {
      process.stdout.write(`${jsonForTerminal(data)}\n`);
    } else if (!this.options.quiet) {
      (this.options.toStderr ? process.stderr : process.stdout).write(
        `${human.split('\n').map(forTerminal).join('\n')}\n`,
      );
    }
  }
}

/**
 * A JSON-friendly view of a header: for each wrapped key its provider, key name, cloud and location
 * (from each keyring package's describer), never key bytes.
 */
export function summarizeHeader(header: MessageHeader) {
  return {
    messageFormat: header.version,
    suite: formatSuiteId(header.suite.id),
    suiteName: header.suite.name,
    messageId: header.messageId.toString('hex'),
    framed: header.contentType === 2,
    frameLength: header.frameLength,
    encryptionContext: { ...header.encryptionContext },
    encryptedDataKeys: header.encryptedDataKeys.map((edk) => {
      const { cloud, location, key } = describeMasterKey(edk);
      return { providerId: edk.providerId, key, cloud, location };
    }),
  };
}
