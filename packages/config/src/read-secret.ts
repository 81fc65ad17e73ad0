import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, formatIssuePath } from '@envelope/core';
import { readBounded } from './read-bounded.js';
import { secretSource } from './schema.js';

/**
 * Reads key material from `{ file, encoding }` (relative to the config file) or `{ env, encoding }`.
 * Inline key material is refused so secrets never sit in a checked-in config.
 */
export async function readSecret(
  source: unknown,
  path: readonly string[],
  configFile: string,
  env: NodeJS.ProcessEnv,
): Promise<Buffer> {
  const parsed = secretSource.safeParse(source);
  const where = `${configFile}: ${formatIssuePath(path)}`;
  if (!parsed.success) {
    throw new ConfigError(
      `${where}: key material must come from { file: <path> } or { env: <VARIABLE> } (optional encoding raw|base64|hex|pem); inline keys are not accepted.`,
    );
  }
  const s = parsed.data;
  let text: Buffer;
  if ('file' in s) {
    const file = isAbsolute(s.file) ? s.file : resolve(configFile, '..', s.file);
    text = await readKeyFile(file, where);
  } else {
    const value = env[s.env];
    if (!value) throw new ConfigError(`${where}: environment variable ${s.env} is not set.`);
    text = Buffer.from(value, 'utf8');
  }
  switch (s.encoding) {
    case 'raw':
    case 'pem':
      return text;
    case 'base64':
      return decoded(Buffer.from(text.toString('utf8').trim(), 'base64'), text, where);
    case 'hex': {
      const hex = text.toString('utf8').trim();
      if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new ConfigError(`${where}: key material is not valid hex.`);
      return decoded(Buffer.from(hex, 'hex'), text, where);
    }
  }
}

/** Key files are small: the largest we read is an RSA-4096 private key in PEM (about 3.3 KiB). */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Reads a key file of at most MAX_KEY_FILE_BYTES. Only regular files are read: a device such as
 * /dev/zero or /dev/random would never end, and a FIFO would block. O_NONBLOCK makes the open of a
 * FIFO return at once so it can be refused; it has no effect on regular files.
 */
async function readKeyFile(file: string, where: string): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw new ConfigError(`${where}: cannot read key file ${file}: ${(cause as Error).message}`, { cause });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new ConfigError(
        `${where}: key file ${file} is not a regular file; name a file that holds the key.`,
      );
    }
    const key = await readBounded(handle, MAX_KEY_FILE_BYTES);
    if (!key) {
      throw new ConfigError(
        `${where}: key file ${file} is larger than ${MAX_KEY_FILE_BYTES} bytes; it does not look like key material.`,
      );
    }
    return key;
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`${where}: cannot read key file ${file}: ${(cause as Error).message}`, { cause });
  } finally {
    await handle.close();
  }
}

function decoded(key: Buffer, text: Buffer, where: string): Buffer {
  text.fill(0);
  if (key.length === 0) throw new ConfigError(`${where}: key material decodes to zero bytes.`);
  return key;
}
