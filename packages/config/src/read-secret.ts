import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@envelope/core';
import { formatPath } from './interpolate.js';
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
  const where = `${configFile}: ${formatPath(path)}`;
  if (!parsed.success) {
    throw new ConfigError(
      `${where}: key material must come from { file: <path> } or { env: <VARIABLE> } (optional encoding raw|base64|hex|pem); inline keys are not accepted.`,
    );
  }
  const s = parsed.data;
  let text: Buffer;
  if ('file' in s) {
    const file = isAbsolute(s.file) ? s.file : resolve(configFile, '..', s.file);
    try {
      text = await readFile(file);
    } catch (cause) {
      throw new ConfigError(`${where}: cannot read key file ${file}: ${(cause as Error).message}`, { cause });
    }
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

function decoded(key: Buffer, text: Buffer, where: string): Buffer {
  text.fill(0);
  if (key.length === 0) throw new ConfigError(`${where}: key material decodes to zero bytes.`);
  return key;
}
