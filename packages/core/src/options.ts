import { InvalidArgumentError } from './errors.js';
import type { EncryptionContext } from './format/encryption-context.js';
import type { Keyring } from './keyrings/keyring.js';
import { DefaultMaterialsManager } from './materials/default-materials-manager.js';
import type { MaterialsManager } from './materials/materials-manager.js';
import type { ParallelOptions } from './parallel/parallel-options.js';
import type { SuiteId } from './suites/algorithm-suites.js';
import type { CommitmentPolicy } from './suites/commitment-policy.js';

/**
 * Default plaintext bytes per frame. The AWS SDK uses 4096, where per-frame cipher set-up dominates;
 * chosen from `pnpm bench` (see docs/performance.md). Any length is readable by any reader.
 */
export const DEFAULT_FRAME_LENGTH = 64 * 1024;
export const MAX_FRAME_LENGTH = 0xffffffff;
export const DEFAULT_MAX_ENCRYPTED_DATA_KEYS = 32;
/** Largest frame (or non-framed body) a reader buffers by default while its tag is unverified. */
export const DEFAULT_MAX_FRAME_LENGTH = 64 * 1024 * 1024;
/** Largest plaintext buffered by `releasePlaintext: 'after-message'` in streaming decrypt. */
export const DEFAULT_MAX_BUFFERED_PLAINTEXT = 256 * 1024 * 1024;

/** Where the data key comes from: a keyring (wrapped in the default manager) or a materials manager. */
export interface KeySource {
  readonly keyring?: Keyring;
  readonly materialsManager?: MaterialsManager;
  readonly commitmentPolicy?: CommitmentPolicy;
  /**
   * Seal or open the frames on a pool of worker threads (`true` for the defaults). Off by default:
   * it pays only with idle cores and inputs of several MiB, since every byte crosses threads (measure
   * with `pnpm bench`). The output is byte-identical and the release rules the same; see docs/streaming.md.
   */
  readonly parallel?: boolean | ParallelOptions;
}

export interface EncryptOptions extends KeySource {
  readonly encryptionContext?: EncryptionContext;
  /** Default 0x0578 (committing, ECDSA P-384 signed). */
  readonly suiteId?: SuiteId | number;
  readonly frameLength?: number;
  /** When known, encrypting more than this many bytes fails. */
  readonly plaintextLength?: number;
}

export interface DecryptOptions extends KeySource {
  /** Pairs the message's encryption context must contain, checked before any key is unwrapped. */
  readonly requiredEncryptionContext?: EncryptionContext;
  /**
   * The reproduced encryption context, as the 4.x AWS Encryption SDKs take it on decrypt: a pair the
   * message stores must have the same value here; the pairs it does not store (required encryption
   * context, written by a {@link RequiredEncryptionContextMaterialsManager}) must be given here, or
   * the header does not authenticate. Leave it out for messages without required context.
   */
  readonly encryptionContext?: EncryptionContext;
  readonly maxEncryptedDataKeys?: number;
  /** Frames (and non-framed bodies) longer than this are refused before any allocation. */
  readonly maxFrameLength?: number;
  /**
   * Streaming only. `per-frame` (default) releases each frame once its tag verifies; for signed
   * suites the last frame with content (the final frame, or the one before an empty final frame) is
   * held until the signature verifies. `after-message` releases nothing
   * until the whole message, signature included, has verified (buffers up to `maxBufferedPlaintext`).
   */
  readonly releasePlaintext?: 'per-frame' | 'after-message';
  readonly maxBufferedPlaintext?: number;
}

export function materialsManagerOf(options: KeySource): MaterialsManager {
  if (options.materialsManager && options.keyring) {
    throw new InvalidArgumentError('Pass either a keyring or a materialsManager, not both.');
  }
  if (options.materialsManager) return options.materialsManager;
  if (options.keyring) return new DefaultMaterialsManager(options.keyring);
  throw new InvalidArgumentError('No keyring: pass { keyring } or { materialsManager }.');
}

export function positiveInteger(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from 1 to ${max}; got ${value}.`);
  }
  return value;
}
