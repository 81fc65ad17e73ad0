import type { Keyring } from '../keyrings/keyring.js';
import type { DecryptOptions } from '../options.js';
import type { SuiteId } from '../suites/algorithm-suites.js';
import type { KmsCallCount } from './counting-keyring.js';
import type { FleetMode } from './rewrite-plan.js';

/** One message of a data set: a file, an object, a database row. */
export interface FleetMessage {
  /** Stable identity (path, object key, row id): the journal's key and the report's name. */
  readonly id: string;
  /** Size in bytes when known (for progress). */
  readonly size?: number;
  /** The message's bytes. Called again when the message is retried after throttling. */
  read(): AsyncIterable<Uint8Array>;
  /**
   * Stores the new message. Must read `message` to its end and make the bytes visible only then, in
   * one step (temp + fsync + rename, a conditional put, one transaction); if `message` throws, the
   * stored message must be left exactly as it was.
   */
  write(message: AsyncIterable<Uint8Array>): Promise<void>;
  /** Reads what `write` stored (when it writes elsewhere, e.g. a side-by-side copy); default `read`. */
  readWritten?(): AsyncIterable<Uint8Array>;
}

/**
 * What a run records per message, so a later run resumes without processing anything twice.
 * `rewriting` is recorded (durably) before the new message's first byte reaches `write`, naming its
 * message id; a later run that finds that id in the stored message knows the write completed.
 */
export type FleetJournalEntry =
  | { readonly id: string; readonly state: 'rewriting'; readonly messageId: string }
  | {
      readonly id: string;
      readonly state: 'done';
      readonly outcome: 'rotated' | 'skipped' | 'recovered';
      readonly messageId?: string;
    }
  | {
      readonly id: string;
      readonly state: 'failed';
      readonly reason: string;
      /** Set when the failure came after `rewriting` was recorded: the write may have completed. */
      readonly messageId?: string;
    };

/** Where a run records its progress (a file, a table); see {@link FleetJournalEntry}. */
export interface FleetJournal {
  /** The last entry recorded for `id` (in this run or an earlier one). */
  lookup(id: string): FleetJournalEntry | undefined | Promise<FleetJournalEntry | undefined>;
  /** Appends an entry; resolves once it is durable. */
  record(entry: FleetJournalEntry): Promise<void>;
}

/** Options of `rotateFleet`. */
export interface FleetOptions
  extends Pick<
    DecryptOptions,
    'commitmentPolicy' | 'encryptionContext' | 'maxEncryptedDataKeys' | 'maxFrameLength'
  > {
  /** Unwraps each message's data key (one unwrap per message). */
  readonly keyring: Keyring;
  /** The master keys messages should end up with. */
  readonly targetKeyring: Keyring;
  /** Default `rotate`. */
  readonly mode?: FleetMode;
  /** Most messages in flight (lowered while the key service throttles). Default 8. */
  readonly concurrency?: number;
  /** Report per message what would change (master keys added and removed); read headers only, write nothing. */
  readonly dryRun?: boolean;
  /** Read each new message back (no key-service call) before it is stored. Default true. */
  readonly verify?: boolean;
  /** Records progress so a later run with the same journal resumes (see {@link FleetJournalEntry}). */
  readonly journal?: FleetJournal;
  /** Stops starting messages; those in flight finish. The summary says `interrupted`. */
  readonly signal?: AbortSignal;
  /** Suite of rewritten messages (mode `rotate`); a message in another suite is rewritten. */
  readonly suiteId?: SuiteId | number;
  /** Frame length of rewritten messages; default the original's. */
  readonly frameLength?: number;
  /** Times one message is retried after throttling before it counts as failed. Default 20. */
  readonly maxThrottleRetries?: number;
  /** Back-off after a throttle: first pause and longest pause, in ms. Defaults 100 and 5000. */
  readonly backoff?: { readonly baseDelayMs?: number; readonly maxDelayMs?: number };
  /** Called once per message as it completes (for progress displays). */
  readonly onMessage?: (result: FleetMessageResult) => void;
}

/** What happened to one message. */
export interface FleetMessageResult {
  readonly id: string;
  /**
   * `rotated`: rewritten and stored. `skipped`: already wrapped as the target says. `resumed`: done
   * by an earlier run (journal). `planned`: dry run, would be rewritten. `failed`: left as it was.
   */
  readonly outcome: 'rotated' | 'skipped' | 'resumed' | 'planned' | 'failed';
  /** `add` keeps the data key; `replace` makes a new one. */
  readonly action?: 'add' | 'replace';
  readonly added?: readonly string[];
  readonly removed?: readonly string[];
  /** Why `replace` was needed rather than `add`. */
  readonly replaceReason?: string;
  readonly messageIdBefore?: string;
  readonly messageIdAfter?: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Throttled attempts before this outcome. */
  readonly throttled: number;
  readonly reason?: string;
}

/** What a run did, message by message and in total. */
export interface FleetSummary {
  readonly mode: FleetMode;
  readonly dryRun: boolean;
  readonly messages: number;
  readonly rotated: number;
  readonly skipped: number;
  readonly resumed: number;
  readonly planned: number;
  readonly failed: number;
  readonly failures: readonly { readonly id: string; readonly reason: string }[];
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Keyring calls: `unwraps` and `wraps` for messages; `probeWraps` once per run to learn the target's master keys. */
  readonly kmsCalls: Readonly<KmsCallCount> & { readonly probeWraps: number };
  /** Throttles seen; the run slowed down (concurrency halved, paused) each time. */
  readonly throttles: number;
  /** Concurrency allowed at the end of the run. */
  readonly finalConcurrency: number;
  readonly seconds: number;
  /** True when `signal` stopped the run before every message was seen. */
  readonly interrupted: boolean;
  readonly results: readonly FleetMessageResult[];
}
