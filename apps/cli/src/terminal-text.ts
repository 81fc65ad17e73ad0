/**
 * Renders untrusted text (encryption context, provider ids, key names, error messages that quote
 * them) for a terminal. A hostile message could otherwise carry OSC/CSI sequences that set the
 * clipboard (`ESC ] 52`), retitle the window or clear the screen, or bidi overrides that make the
 * printed text read differently from what it is. Each such character is shown as a visible escape:
 * C0 controls and DEL as `\xNN` (`\t`, `\n`, `\r` by name), C1 controls as `\xNN`, and the Unicode
 * bidi controls and line/paragraph separators as `\uNNNN`. Everything else is printed as is.
 */
export function forTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? escapeCodePoint(c));
}

/**
 * JSON for stdout. `JSON.stringify` already escapes C0 controls, but not DEL, C1 controls or bidi
 * controls; those are escaped here as `\uNNNN`, which is equally valid JSON for the same string.
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, (c) => `\\u${hex(c, 4)}`);
}

// C0, DEL, C1; ALM; LRM/RLM; line and paragraph separators; LRE..RLO embeddings and overrides;
// LRI..PDI isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeCodePoint(c: string): string {
  return c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`;
}

function hex(c: string, width: number): string {
  return c.charCodeAt(0).toString(16).padStart(width, '0');
}
