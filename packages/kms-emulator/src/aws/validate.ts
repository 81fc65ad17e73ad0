import { type KmsError, kmsError, validationError } from './errors.js';

/**
 * Boundary validation for request members, with AWS's ValidationException wording. Every engine
 * operation validates its input here once; internals trust the typed values.
 */
export type Input = Readonly<Record<string, unknown>>;

const camel = (member: string): string => member.charAt(0).toLowerCase() + member.slice(1);

export function requireString(input: Input, member: string, max = 2048, min = 1): string {
  const value = optionalString(input, member, max, min);
  if (value === undefined) throw validationError(camel(member), undefined, 'Member must not be null');
  return value;
}

export function optionalString(input: Input, member: string, max = 2048, min = 1): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serialization(member);
  if (value.length < min) {
    throw validationError(camel(member), value, `Member must have length greater than or equal to ${min}`);
  }
  if (value.length > max) {
    throw validationError(camel(member), value, `Member must have length less than or equal to ${max}`);
  }
  return value;
}

export function optionalEnum<T extends string>(
  input: Input,
  member: string,
  allowed: readonly T[],
): T | undefined {
  const value = optionalString(input, member);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw validationError(
      camel(member),
      value,
      `Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return value as T;
}

export function requireEnum<T extends string>(input: Input, member: string, allowed: readonly T[]): T {
  const value = optionalEnum(input, member, allowed);
  if (value === undefined) throw validationError(camel(member), undefined, 'Member must not be null');
  return value;
}

export function optionalInt(input: Input, member: string, min: number, max: number): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(member);
  if (value < min) {
    throw validationError(camel(member), value, `Member must have value greater than or equal to ${min}`);
  }
  if (value > max)
    throw validationError(camel(member), value, `Member must have value less than or equal to ${max}`);
  return value;
}

export function optionalBoolean(input: Input, member: string): boolean | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw serialization(member);
  return value;
}

export function requireBlob(input: Input, member: string, max: number, min = 1): Buffer {
  const value = optionalBlob(input, member, max, min);
  if (value === undefined) throw validationError(camel(member), undefined, 'Member must not be null');
  return value;
}

export function optionalBlob(input: Input, member: string, max: number, min = 1): Buffer | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof Uint8Array)) throw serialization(member);
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  // Never echo a blob's bytes in the message (it may be plaintext).
  if (buf.length < min) {
    throw validationError(
      camel(member),
      'java.nio.HeapByteBuffer',
      `Member must have length greater than or equal to ${min}`,
    );
  }
  if (buf.length > max) {
    throw validationError(
      camel(member),
      'java.nio.HeapByteBuffer',
      `Member must have length less than or equal to ${max}`,
    );
  }
  return buf;
}

/**
 * Largest encryption context the emulator accepts: UTF-8 bytes of every key and value together. Every
 * string map in the KMS API is an encryption context (or a grant constraint on one), and the
 * ciphertext blob length-prefixes each key and value with 16 bits, so a bound is needed anyway.
 */
export const MAX_ENCRYPTION_CONTEXT_BYTES = 8192;

export function optionalStringMap(input: Input, member: string): Record<string, string> | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw serialization(member);
  let bytes = 0;
  let pairs = 0;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw serialization(member);
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    pairs++;
  }
  if (bytes > MAX_ENCRYPTION_CONTEXT_BYTES) {
    throw validationError(
      camel(member),
      `{${pairs} pairs, ${bytes} bytes}`,
      `Member must have a total size (UTF-8 bytes of keys and values) less than or equal to ${MAX_ENCRYPTION_CONTEXT_BYTES}`,
    );
  }
  return { ...(value as Record<string, string>) };
}

export function optionalStringList(
  input: Input,
  member: string,
  maxItems: number,
  maxLen = 8192,
): string[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw serialization(member);
  if (value.length > maxItems) {
    throw validationError(
      camel(member),
      `[${value.length} items]`,
      `Member must have length less than or equal to ${maxItems}`,
    );
  }
  for (const v of value as string[]) {
    if (v.length < 1 || v.length > maxLen) {
      throw validationError(
        camel(member),
        '[...]',
        v.length < 1
          ? 'Member must have length greater than or equal to 1'
          : `Member must have length less than or equal to ${maxLen}`,
      );
    }
  }
  return [...(value as string[])];
}

const serialization = (member: string): KmsError =>
  kmsError('SerializationException', `Unexpected type for member '${member}'`);
