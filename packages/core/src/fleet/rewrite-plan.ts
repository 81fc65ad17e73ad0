import type { MessageHeader } from '../format/header.js';
import { type CommitmentPolicy, suiteAllowedForEncrypt } from '../suites/commitment-policy.js';
import { masterKeyId, type TargetMasterKeys } from './master-keys.js';

/**
 * - `rotate`: each message ends up wrapped by exactly the target's master keys (keys it lacks are
 *   added, keys the target does not name are removed).
 * - `repair`: each message gains the target's master keys it lacks and loses none.
 */
export type FleetMode = 'rotate' | 'repair';

/** What a message needs: nothing, a rewrap that keeps the data key (`add`), or a new data key (`replace`). */
export interface RewritePlan {
  readonly action: 'skip' | 'add' | 'replace';
  /** Master keys (`provider key`) the new message has that the message lacks. */
  readonly added: readonly string[];
  /** Master keys the message has that the new message will not. */
  readonly removed: readonly string[];
  /** Why `replace` rather than `add`, for reports. */
  readonly reason?: string;
}

/**
 * Chooses the cheapest rewrite that reaches the target. `add` (data key kept, one wrap per added
 * master key) needs: no master key removed, no suite change, and a suite whose data keys are not
 * bound to a per-message signing key (unsigned) and which derives its content key (a new message id
 * then gives a new content key). Otherwise `replace`: a fresh data key wrapped by every target key.
 */
export function planRewrite(
  header: MessageHeader,
  target: TargetMasterKeys,
  mode: FleetMode,
  policy: CommitmentPolicy,
  suiteId?: number,
): RewritePlan {
  const current = new Set(header.encryptedDataKeys.map(masterKeyId));
  const added = [...target.masterKeys].filter((k) => !current.has(k));
  const dropped = [...current].filter((k) => !target.masterKeys.has(k));
  const suiteChange = mode === 'rotate' && suiteId !== undefined && suiteId !== header.suite.id;
  const removed = mode === 'rotate' ? dropped : [];
  if (added.length === 0 && removed.length === 0 && !suiteChange) return { action: 'skip', added, removed };
  const reason =
    removed.length > 0
      ? 'a master key is removed, so the data key must be new'
      : suiteChange
        ? 'the suite changes'
        : header.suite.signature
          ? `suite ${header.suite.name} binds its data keys to the message's signing key`
          : !header.suite.kdfHash
            ? `suite ${header.suite.name} uses the data key as the content key`
            : !suiteAllowedForEncrypt(policy, header.suite)
              ? `the commitment policy forbids writing suite ${header.suite.name}`
              : undefined;
  if (reason === undefined) return { action: 'add', added, removed };
  // A replace wraps under the target only: in repair mode, keys outside the target would be dropped.
  return { action: 'replace', added, removed: mode === 'repair' ? dropped : removed, reason };
}
