/**
 * A validation issue's path as people write it: `keyring.children[1].key`, or `(top level)` for the
 * whole document. One rendering for every schema error Envelope reports (config, seeds, admin bodies).
 */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((p, i) =>
      typeof p === 'number' || /^\d+$/.test(String(p)) ? `[${String(p)}]` : `${i ? '.' : ''}${String(p)}`,
    )
    .join('');
}
