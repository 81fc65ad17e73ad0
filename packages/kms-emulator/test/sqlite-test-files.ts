import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../src/core/index.js';

/**
 * A database path in a directory of its own for each test of the calling `describe` (made before
 * each test, removed after it).
 */
export function sqlitePathPerTest(prefix: string): { readonly path: string } {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(dir!, { recursive: true, force: true }));
  return {
    get path() {
      return join(dir!, 'kms.sqlite');
    },
  };
}

/** An AWS Decrypt audit record of `resources` at `time`. */
export const auditEvent = (
  id: string,
  resources: string[],
  time = '2026-01-01T00:00:00.000Z',
): AuditRecord => ({
  id,
  time,
  service: 'aws',
  location: 'us-east-1',
  operation: 'Decrypt',
  requestId: `request-${id}`,
  principal: 'arn:aws:iam::111122223333:root',
  resources,
  parameters: {},
});
