import { kmsError } from '../errors.js';
import { type KeyPolicy, parsePolicy } from './document.js';

const parsed = new Map<string, KeyPolicy>();
const MAX_CACHED = 512;

/**
 * The parsed form of a key's stored policy. A key stores only the canonical text `parsePolicy` made
 * when the policy was put, so each distinct text is parsed once per process, not on every call.
 */
export function storedPolicy(keyArn: string, text: string): KeyPolicy {
  let policy = parsed.get(text);
  if (!policy) {
    try {
      policy = parsePolicy(text);
    } catch {
      // Only a store written outside the engine can hold such a text; fail closed, say how to repair.
      throw kmsError(
        'KMSInternalException',
        `The stored key policy of ${keyArn} is not one this emulator understands (was the store written by another version?); every call on the key is refused until it is re-created`,
      );
    }
    if (parsed.size >= MAX_CACHED) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, policy);
  }
  return policy;
}
