import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RootKeyProbe } from '@envelope/kms-emulator';

export const ROOT_KEY_ENV = 'ENVELOPE_KMS_ROOT_KEY';
export const PLAINTEXT_ROOT_KEY_FILE = 'root.key';
const CHECK_FILE = 'root-key.check';

/** Why the server could not obtain (or rejected) its root key. The message says how to fix it. */
export class RootKeyError extends Error {
  override readonly name = 'RootKeyError';
}

export interface RootKeySources {
  readonly rootKey?: Buffer;
  /** A file holding 32 raw bytes or 64 hex characters. */
  readonly rootKeyFile?: string;
  /** Environment variable holding the key as hex or base64; default `ENVELOPE_KMS_ROOT_KEY`. */
  readonly rootKeyEnv?: string;
  /** Generate `<dataDir>/root.key` on first start and reuse it (the key then sits beside the data). */
  readonly allowPlaintextRootKey?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface ResolvedRootKey {
  readonly key: Buffer;
  readonly source: 'option' | 'file' | 'env' | 'plaintext-file' | 'ephemeral';
  /** The file the key was read from, when it came from one. */
  readonly file?: string;
}

const HOW =
  `Provide a 32-byte root key with --root-key-file <file> (32 raw bytes or 64 hex characters), ` +
  `or the ${ROOT_KEY_ENV} environment variable (hex or base64), or opt in to a generated key stored ` +
  `beside the data with --allow-plaintext-root-key (not for shared machines).`;

/**
 * The key that wraps all key material at rest. First match wins: explicit Buffer, key file,
 * environment variable, then `<dataDir>/root.key` (only with `allowPlaintextRootKey`). With no data
 * dir (in-memory mode) a random ephemeral key is used.
 */
export function resolveRootKey(sources: RootKeySources, dataDir: string | undefined): ResolvedRootKey {
  const env = sources.env ?? process.env;
  if (sources.rootKey) return { key: checkLength(Buffer.from(sources.rootKey), 'rootKey'), source: 'option' };
  if (sources.rootKeyFile)
    return { key: readKeyFile(sources.rootKeyFile), source: 'file', file: sources.rootKeyFile };
  const envName = sources.rootKeyEnv ?? ROOT_KEY_ENV;
  const fromEnv = env[envName];
  if (fromEnv) return { key: decodeText(fromEnv.trim(), `environment variable ${envName}`), source: 'env' };
  if (dataDir === undefined) return { key: randomBytes(32), source: 'ephemeral' };

  const plaintextFile = join(dataDir, PLAINTEXT_ROOT_KEY_FILE);
  if (sources.allowPlaintextRootKey) {
    if (existsSync(plaintextFile))
      return { key: readKeyFile(plaintextFile), source: 'plaintext-file', file: plaintextFile };
    const key = randomBytes(32);
    writeFileSync(plaintextFile, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return { key, source: 'plaintext-file', file: plaintextFile };
  }
  if (existsSync(plaintextFile)) {
    throw new RootKeyError(
      `${plaintextFile} exists but plaintext root keys were not allowed; pass --allow-plaintext-root-key ` +
        `(allowPlaintextRootKey: true) to use it. ${HOW}`,
    );
  }
  throw new RootKeyError(`No root key for the KMS data in ${dataDir}. ${HOW}`);
}

/** True when a key file can be read or written by group or others (the caller warns). */
export function isSharedKeyFile(file: string): boolean {
  return (statSync(file).mode & 0o077) !== 0;
}

/**
 * Refuses a root key that differs from the one the data dir was first opened with, instead of failing
 * later on every Decrypt. Stores only an HMAC of a constant under the key, which reveals nothing.
 * When the check file is missing (a database restored without it), the candidate key must first
 * open existing key material (`probe`): otherwise any key would be accepted and pinned, Encrypt
 * would fail and the right key would be refused from then on.
 */
export function checkRootKeyMatches(dataDir: string, key: Buffer, probe: () => RootKeyProbe): void {
  const file = join(dataDir, CHECK_FILE);
  const check = createHmac('sha256', key).update('envelope-kms root key check v1').digest();
  if (!existsSync(file)) {
    if (probe() === 'does-not-match') {
      throw new RootKeyError(
        `The root key does not open the key material already in ${dataDir} (and ${CHECK_FILE} is ` +
          `missing, so nothing was pinned); start with the key that wrote this data or use another --data-dir.`,
      );
    }
    writeFileSync(file, `${check.toString('hex')}\n`, { mode: 0o600 });
    return;
  }
  const stored = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  if (stored.length !== check.length || !timingSafeEqual(stored, check)) {
    throw new RootKeyError(
      `The root key does not match the one that encrypted the KMS data in ${dataDir}; ` +
        `start with the original key or use another --data-dir.`,
    );
  }
}

function readKeyFile(path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (error) {
    throw new RootKeyError(`Cannot read root key file ${path}: ${(error as NodeJS.ErrnoException).code}`);
  }
  if (raw.length === 32) return raw;
  return decodeText(raw.toString('utf8').trim(), `root key file ${path}`, true);
}

function decodeText(text: string, where: string, hexOnly = false): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!hexOnly && /^[A-Za-z0-9+/]{43}=?$/.test(text)) return checkLength(Buffer.from(text, 'base64'), where);
  throw new RootKeyError(
    `${where} must hold a 32-byte key as ${hexOnly ? '32 raw bytes or 64 hex characters' : '64 hex characters or base64'}.`,
  );
}

function checkLength(key: Buffer, where: string): Buffer {
  if (key.length !== 32) throw new RootKeyError(`${where} must be 32 bytes, got ${key.length}.`);
  return key;
}
