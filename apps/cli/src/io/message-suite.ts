import { createReadStream } from 'node:fs';
import { type AlgorithmSuite, inspectMessage } from '@envelope/core';

/**
 * The suite named by the header of the message file at `path`, read without a key (the header only:
 * the stream is closed once it is parsed). Undefined when the file does not start with a message
 * header that parses: the caller's own read of the message reports that, with its error.
 */
export async function messageSuite(path: string): Promise<AlgorithmSuite | undefined> {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  try {
    return (await inspectMessage(stream)).header.suite;
  } catch {
    return undefined;
  } finally {
    stream.destroy();
  }
}
