import { open } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { ConfigError, formatIssuePath } from '@envelope/core';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { interpolate } from './interpolate.js';
import { readBounded } from './read-bounded.js';
import { type EnvelopeConfig, envelopeConfig } from './schema.js';

export interface LoadedConfig {
  readonly file: string;
  readonly config: EnvelopeConfig;
}

/** A config file is a few KiB; reading stops here so `--config /dev/zero` fails fast. Pipes are fine. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** Reads `envelope.yaml` / `envelope.json`, interpolates `${ENV}`, and validates it. */
export async function loadConfigFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  const path = resolve(file);
  let bytes: Buffer | undefined;
  try {
    const handle = await open(path, 'r');
    try {
      // Opening a directory succeeds on Linux; reading it fails with a bare EISDIR.
      if ((await handle.stat()).isDirectory()) {
        throw new ConfigError(
          `Config path ${path} is a directory; a file is expected: name an envelope.yaml or envelope.json (e.g. --config ${join(path, 'envelope.yaml')}).`,
        );
      }
      bytes = await readBounded(handle, MAX_CONFIG_FILE_BYTES);
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`Cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  if (!bytes) {
    throw new ConfigError(
      `Config file ${path} is larger than ${MAX_CONFIG_FILE_BYTES} bytes; name an envelope.yaml or envelope.json.`,
    );
  }
  const text = bytes.toString('utf8');
  return { file: path, config: parseConfig(text, path, env) };
}

export function parseConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): EnvelopeConfig {
  let document: unknown;
  try {
    document = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new ConfigError(
      `${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  return validate(envelopeConfig, interpolate(document, env, file), file, []);
}

/** Validates with a schema; the error names the file, the path in it and what was expected. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  file: string,
  at: readonly string[],
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${file}: ${formatIssuePath([...at, ...issue.path.map(String)])}: ${issue.message}`,
  );
  throw new ConfigError(problems.join('\n'));
}
