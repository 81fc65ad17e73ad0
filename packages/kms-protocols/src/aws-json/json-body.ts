import { KmsError } from '@envelope/kms-emulator';

/**
 * Bounds on a request body, checked before anything is built from it. KMS request shapes are at most
 * three levels deep and the largest legitimate member is a 32 KB key policy, so these leave ample room
 * while keeping every later step (validation, audit, storage) small and non-recursive in effect.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;
export const MAX_REQUEST_NESTING = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = ['{', '['] as const;

/** SerializationException for a body over {@link MAX_REQUEST_BODY_BYTES}, before it is decoded. */
export function requireBodyWithinLimit(byteLength: number): void {
  if (byteLength > MAX_REQUEST_BODY_BYTES) {
    throw new KmsError(
      'SerializationException',
      `Request body of ${byteLength} bytes exceeds the ${MAX_REQUEST_BODY_BYTES}-byte limit`,
    );
  }
}

/**
 * Parses a JSON object body into prototype-free objects (a member named `__proto__` is an ordinary
 * member, never a prototype). Nested past the bound, or not a JSON object: SerializationException.
 */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (!openersWithinBound(text) && maxNesting(text) > MAX_REQUEST_NESTING) {
    throw new KmsError(
      'SerializationException',
      `Request body nests deeper than ${MAX_REQUEST_NESTING} levels; KMS requests are at most a few levels deep`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KmsError('SerializationException', 'Request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new KmsError('SerializationException', 'Request body must be a JSON object');
  }
  return withoutPrototypes(parsed) as Record<string, unknown>;
}

/**
 * True when the text holds at most {@link MAX_REQUEST_NESTING} `{` and `[` in all (inside strings
 * too), so it cannot nest deeper than the bound: a KMS request holds a handful, and counting them with
 * `indexOf` costs far less than walking every character as {@link maxNesting} does.
 */
function openersWithinBound(text: string): boolean {
  let openers = 0;
  for (const opener of OPENERS) {
    for (let i = text.indexOf(opener); i !== -1; i = text.indexOf(opener, i + 1)) {
      if (++openers > MAX_REQUEST_NESTING) return false;
    }
  }
  return true;
}

/** Deepest `{`/`[` nesting outside strings, in one pass without recursion; returns early once past the bound. */
function maxNesting(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) max = depth;
      if (max > MAX_REQUEST_NESTING) return max;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return max;
}

/**
 * Takes the prototype off every object of a tree JSON.parse just made (nothing else holds it), in
 * place: cheaper than copying each object into an `Object.create(null)` one, and the objects keep
 * their fast layout. JSON.parse defines a member named `__proto__` as an own data member, so it stays
 * a member. Recursion is bounded by MAX_REQUEST_NESTING.
 */
function withoutPrototypes(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (const item of value) withoutPrototypes(item);
    return value;
  }
  Object.setPrototypeOf(value, null);
  for (const key in value) withoutPrototypes((value as Record<string, unknown>)[key]);
  return value;
}
