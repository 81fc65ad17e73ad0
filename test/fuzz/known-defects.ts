/**
 * Outcomes caused by core defects that are being fixed on other branches. The campaign counts them
 * apart instead of failing, and the corpus replay accepts them for inputs marked `knownDefect`.
 * Delete an entry once its fix is merged: every input that still shows it then fails the fuzz test.
 */
export const KNOWN_DEFECTS: Readonly<Record<string, string>> = {};

/** Codes a damaged message may never produce: the caller's arguments were valid. */
export const CALLER_ONLY_CODES: readonly string[] = ['ENVELOPE_INVALID_ARGUMENT'];
