/**
 * Zero-fills the named members of a response that hold secret bytes (plaintext, data keys, key
 * material) once the response is encoded for the wire: the encoded text is then their only copy.
 * Members that are absent or not byte arrays are left alone. Every protocol's dispatch uses this.
 */
export function zeroFillMembers(response: unknown, members: readonly string[]): void {
  if (typeof response !== 'object' || response === null) return;
  for (const member of members) {
    const value = (response as Record<string, unknown>)[member];
    if (value instanceof Uint8Array) value.fill(0);
  }
}
