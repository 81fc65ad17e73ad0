/**
 * Zero-fills the named members of a message that hold secret bytes (plaintext, data keys, key
 * material): a response's once it is encoded for the wire (the encoded text is then their only copy),
 * a decoded request's once its call is answered. Members that are absent or not byte arrays are left
 * alone. Every protocol's dispatch uses this.
 */
export function zeroFillMembers(message: unknown, members: readonly string[]): void {
  if (typeof message !== 'object' || message === null) return;
  for (const member of members) {
    const value = (message as Record<string, unknown>)[member];
    if (value instanceof Uint8Array) value.fill(0);
  }
}
