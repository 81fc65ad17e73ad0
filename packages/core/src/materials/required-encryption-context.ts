import { EncryptionContextMismatchError, InvalidArgumentError } from '../errors.js';
import { EMPTY_CONTEXT, type EncryptionContext } from '../format/encryption-context.js';

/**
 * Required encryption context (framework/structures.md "required encryption context keys"): pairs
 * that are authenticated by the header tag but not stored in the message; a reader supplies them again.
 */
interface WithRequiredKeys {
  readonly encryptionContext: EncryptionContext;
  readonly requiredEncryptionContextKeys: readonly string[];
}

/** The pairs the message authenticates but does not store. */
export function requiredEncryptionContext({
  encryptionContext,
  requiredEncryptionContextKeys,
}: WithRequiredKeys): EncryptionContext {
  if (requiredEncryptionContextKeys.length === 0) return EMPTY_CONTEXT;
  return Object.fromEntries(requiredEncryptionContextKeys.map((key) => [key, encryptionContext[key] ?? '']));
}

/** The pairs the message header stores: every pair but the required ones. */
export function storedEncryptionContext({
  encryptionContext,
  requiredEncryptionContextKeys,
}: WithRequiredKeys): EncryptionContext {
  // Without required keys every pair is stored (the common case): no copy unless it could change.
  if (requiredEncryptionContextKeys.length === 0 && Object.isFrozen(encryptionContext)) {
    return encryptionContext;
  }
  const required = new Set(requiredEncryptionContextKeys);
  return Object.freeze(
    Object.fromEntries(Object.entries(encryptionContext).filter(([key]) => !required.has(key))),
  );
}

/**
 * Decrypt with a reproduced context (as the 4.x SDKs' default materials manager does): a reproduced
 * pair the message stores must have the same value; the pairs it does not store join the context and
 * become required, so the header tag authenticates them or decryption fails.
 */
export function reproduceEncryptionContext(
  stored: EncryptionContext,
  reproduced: EncryptionContext | undefined,
): { encryptionContext: EncryptionContext; requiredKeys: string[] } {
  if (!reproduced) return { encryptionContext: stored, requiredKeys: [] };
  const requiredKeys: string[] = [];
  for (const [key, value] of Object.entries(reproduced)) {
    if (typeof value !== 'string') {
      throw new InvalidArgumentError(`Reproduced encryption context value for '${key}' must be a string.`);
    }
    if (!Object.hasOwn(stored, key)) requiredKeys.push(key);
    else if (stored[key] !== value) {
      throw new EncryptionContextMismatchError(
        `The reproduced encryption context gives key '${key}' a value the message does not have; pass the context the message was encrypted with.`,
      );
    }
  }
  return { encryptionContext: Object.freeze({ ...stored, ...reproduced }), requiredKeys };
}
