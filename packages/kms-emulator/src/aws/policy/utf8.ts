/**
 * The string a JS string's UTF-8 encoding decodes back to: lone surrogates become U+FFFD, exactly as
 * `Buffer.from(s, 'utf8')` encodes them. Policy values and encryption contexts are compared in this
 * form, because the ciphertext binds the context as UTF-8 bytes: `"a\ud800"` and `"a\ufffd"` name
 * the same context to the cryptography, so they must name the same context to a policy too.
 */
export function wellFormed(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}

/** Whether two strings encode to the same UTF-8 bytes. */
export function sameUtf8(a: string, b: string): boolean {
  return Buffer.from(a, 'utf8').equals(Buffer.from(b, 'utf8'));
}
