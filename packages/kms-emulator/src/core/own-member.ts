/**
 * Sets `out[key] = value` as an own, enumerable, writable member, also when `key` is `__proto__`:
 * assigned, that name would replace the object's prototype instead (an encryption context or a stored
 * record may use it as an ordinary key). For copies of JSON-shaped records into plain objects.
 */
export function setOwnMember(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  } else out[key] = value;
}
