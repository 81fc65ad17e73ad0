import { readFileSync } from 'node:fs';
import { formatIssuePath } from '@envelope/core';
import type { AccessKey } from '@envelope/kms-protocols/aws-json';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const accessKeysSchema = z.record(
  z.string().regex(/^[A-Z0-9]{4,128}$/, 'access key ids are upper-case letters and digits'),
  z.strictObject({
    secretAccessKey: z.string().min(1),
    principal: z.string().regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:.+$/, 'must be an IAM principal ARN'),
  }),
);

export type AccessKeys = Readonly<Record<string, AccessKey>>;

export class AccessKeysFileError extends Error {
  override readonly name = 'AccessKeysFileError';
}

/**
 * Reads a YAML or JSON map `accessKeyId → { secretAccessKey, principal }` for SigV4 verification.
 * Error messages name the file and path but never a secret.
 */
export function loadAccessKeysFile(file: string): AccessKeys {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AccessKeysFileError(
      `Access keys file ${file}: ${code ? `cannot read (${code})` : 'not valid YAML/JSON'}`,
    );
  }
  const parsed = accessKeysSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`);
    throw new AccessKeysFileError(`Access keys file ${file}: ${issues.join('; ')}`);
  }
  if (Object.keys(parsed.data).length === 0)
    throw new AccessKeysFileError(`Access keys file ${file}: no keys`);
  return parsed.data;
}
