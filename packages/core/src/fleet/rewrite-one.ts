import { InvalidArgumentError, KeyringError } from '../errors.js';
import type { HeaderLimits, MessageHeader } from '../format/header.js';
import type { Keyring } from '../keyrings/keyring.js';
import { MultiKeyring } from '../keyrings/multi-keyring.js';
import { rewrapMessage } from '../stream/rewrap-message.js';
import type { CommitmentPolicy } from '../suites/commitment-policy.js';
import type { FleetJournal, FleetMessage, FleetMessageResult, FleetOptions } from './fleet-types.js';
import { masterKeyId, type TargetMasterKeys } from './master-keys.js';
import { OnlyMasterKeys } from './only-keys.js';
import { peekHeader } from './peek-header.js';
import { type FleetMode, planRewrite } from './rewrite-plan.js';
import { HeldDataKey, readBackWhileWriting } from './verify-output.js';

/** What every message of a run shares. Keyrings here are the counting ones. */
export interface FleetRun {
  readonly options: FleetOptions;
  readonly mode: FleetMode;
  readonly policy: CommitmentPolicy;
  readonly limits: HeaderLimits;
  readonly target: TargetMasterKeys;
  readonly keyring: Keyring;
  readonly targetKeyring: Keyring;
  /** The target's leaves, in `target.leaves` order. */
  readonly targetLeaves: readonly Keyring[];
}

type Outcome = Omit<FleetMessageResult, 'throttled'>;

/**
 * One message: resume check, header, plan, then (unless skipped or a dry run) the streaming rewrap,
 * read back as it is written, handed to `message.write`. Throws when the message could not be
 * rewritten; `write` then saw its iterable throw, so the stored message is as it was.
 */
export async function rewriteOne(
  message: FleetMessage,
  run: FleetRun,
  attempt: { messageId?: string } = {},
): Promise<Outcome> {
  const { id } = message;
  const journal = run.options.journal;
  if (journal && !run.options.dryRun && (await alreadyDone(message, journal))) {
    return { id, outcome: 'resumed', bytesIn: 0, bytesOut: 0 };
  }
  let bytesIn = 0;
  let bytesOut = 0;
  const { header, stream, close } = await peekHeader(
    counted(message.read(), (n) => (bytesIn += n)),
    run.limits,
  );
  const plan = planRewrite(header, run.target, run.mode, run.policy, run.options.suiteId);
  const messageIdBefore = header.messageId.toString('hex');
  const described = { added: plan.added, removed: plan.removed, messageIdBefore };
  if (plan.action === 'skip' || run.options.dryRun) {
    await close();
    if (plan.action === 'skip') await journal?.record({ id, state: 'done', outcome: 'skipped' });
    return {
      id,
      outcome: plan.action === 'skip' ? 'skipped' : 'planned',
      ...(plan.action === 'skip' ? {} : { action: plan.action }),
      ...(plan.reason ? { replaceReason: plan.reason } : {}),
      ...described,
      bytesIn,
      bytesOut,
    };
  }
  if (run.mode === 'repair' && plan.removed.length > 0) {
    await close();
    throw new InvalidArgumentError(
      `Repair would drop ${plan.removed.join(', ')} (not in the target keyring): ${plan.reason}. Rotate to a target that names every master key the message should keep.`,
    );
  }

  const expected = new Set([...header.encryptedDataKeys.map(masterKeyId), ...plan.added]);
  for (const key of plan.removed) expected.delete(key);
  const held = new HeldDataKey(plan.action === 'add' ? keysToAdd(run, plan.added) : run.targetKeyring);
  let messageIdAfter = '';
  try {
    const rewrapped = rewrapMessage(
      stream,
      {
        keyring: run.keyring,
        newKeyring: held,
        mode: plan.action,
        commitmentPolicy: run.policy,
        ...pick(run.options, ['encryptionContext', 'maxEncryptedDataKeys', 'maxFrameLength', 'frameLength']),
        // A repair keeps each message's suite (the plan ignores suiteId there too).
        ...(run.mode === 'rotate' ? pick(run.options, ['suiteId']) : {}),
      },
      (report) => {
        messageIdAfter = report.after.messageId.toString('hex');
        assertMasterKeys(report.after, expected);
      },
    );
    const journaled = journalFirst(rewrapped, async () => {
      attempt.messageId = messageIdAfter;
      await journal?.record({ id, state: 'rewriting', messageId: messageIdAfter });
    });
    const checked =
      run.options.verify === false
        ? journaled
        : readBackWhileWriting(journaled, held, {
            commitmentPolicy: run.policy,
            ...pick(run.options, ['encryptionContext', 'maxFrameLength']),
          });
    await message.write(counted(checked, (n) => (bytesOut += n)));
  } finally {
    held.zeroize();
    await close();
  }
  await journal?.record({ id, state: 'done', outcome: 'rotated', messageId: messageIdAfter });
  return {
    id,
    outcome: 'rotated',
    action: plan.action,
    ...(plan.reason ? { replaceReason: plan.reason } : {}),
    ...described,
    messageIdAfter,
    bytesIn,
    bytesOut,
  };
}

/**
 * Done by an earlier run: journaled done, or journaled rewriting (or failed after that) and the
 * stored message is the one being written then.
 */
async function alreadyDone(message: FleetMessage, journal: FleetJournal): Promise<boolean> {
  const entry = await journal.lookup(message.id);
  if (entry?.state === 'done') return true;
  if (!entry?.messageId) return false;
  let stored: MessageHeader | undefined;
  try {
    const peeked = await peekHeader((message.readWritten ?? message.read).call(message), {
      maxEncryptedDataKeys: 0xffff,
      maxFrameLength: 0xffffffff,
    });
    await peeked.close();
    stored = peeked.header;
  } catch {
    return false; // nothing (readable) was stored: the write did not complete
  }
  if (stored.messageId.toString('hex') !== entry.messageId) return false;
  await journal.record({ id: message.id, state: 'done', outcome: 'recovered', messageId: entry.messageId });
  return true;
}

/** The target leaves that hold the master keys to add; one wrap each (generators wrap the set key). */
function keysToAdd(run: FleetRun, added: readonly string[]): Keyring {
  const wanted = new Set(added);
  const leaves = run.targetLeaves.flatMap((leaf, i) => {
    const keys = run.target.leaves[i]!.masterKeys;
    if (!keys.some((k) => wanted.has(k))) return [];
    return keys.every((k) => wanted.has(k)) ? [leaf] : [new OnlyMasterKeys(leaf, wanted)];
  });
  return leaves.length === 1 ? leaves[0]! : new MultiKeyring({ children: leaves });
}

function assertMasterKeys(after: MessageHeader, expected: ReadonlySet<string>): void {
  const got = new Set(after.encryptedDataKeys.map(masterKeyId));
  if (got.size !== expected.size || [...got].some((k) => !expected.has(k))) {
    throw new KeyringError(
      `The rewrapped message would have master keys [${[...got].join(', ')}], not the expected [${[...expected].join(', ')}]; the target keyring wraps differently than it did when probed.`,
    );
  }
}

/** Awaits `before` once, ahead of the first chunk: the journal names the new message before it is stored. */
async function* journalFirst(
  source: AsyncIterable<Buffer>,
  before: () => Promise<void>,
): AsyncGenerator<Buffer> {
  let first = true;
  for await (const chunk of source) {
    if (first) {
      first = false;
      await before();
    }
    yield chunk;
  }
}

async function* counted<T extends Uint8Array>(
  source: AsyncIterable<T>,
  add: (n: number) => void,
): AsyncGenerator<T> {
  for await (const chunk of source) {
    add(chunk.length);
    yield chunk;
  }
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}
