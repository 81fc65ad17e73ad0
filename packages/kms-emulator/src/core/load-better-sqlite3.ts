import { createRequire } from 'node:module';
import { ConfigError } from '@envelope/core';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

/**
 * better-sqlite3 is an optional peer dependency: only the durable store needs it, so applications
 * that use the in-memory emulator (tests) install no native addon. Loaded on first use.
 */
export function loadBetterSqlite3(): typeof BetterSqlite3 {
  try {
    return require('better-sqlite3') as typeof BetterSqlite3;
  } catch (cause) {
    throw new ConfigError(
      'The durable KMS store needs the better-sqlite3 package, which is not installed (or not built for this Node version): run `npm install better-sqlite3`, or use the in-memory store.',
      { cause },
    );
  }
}
