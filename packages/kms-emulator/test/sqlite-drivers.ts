import type { SqliteDriverName } from '../src/index.js';

/** This Node.js's major version. */
export const nodeMajor = Number(process.versions.node.split('.')[0]);

/**
 * The SQLite drivers the store's tests run on here: better-sqlite3 12 aborts Node 24 from a
 * finalizer; node:sqlite exists from Node 22.5.
 */
export const sqliteDrivers: SqliteDriverName[] = [
  ...(nodeMajor < 24 ? (['better-sqlite3'] as const) : []),
  ...(process.getBuiltinModule?.('node:sqlite') ? (['node:sqlite'] as const) : []),
];
