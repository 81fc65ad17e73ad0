import { setOwnMember } from './own-member.js';

/**
 * Parsed JSON records kept to be read many times: frozen once, handed out as fresh copies (callers
 * update what they read before writing it back). Copying a parsed tree costs about a quarter of
 * parsing its text again.
 */

/** Freezes a parsed JSON value and everything in it (JSON is a tree: no cycles to guard against). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/** What JSON.parse of the same text returns: plain objects and arrays, `__proto__` an own member. */
export function copyOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOf);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value))
    setOwnMember(out, key, copyOf((value as Record<string, unknown>)[key]));
  return out;
}
