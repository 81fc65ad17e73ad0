/**
 * Messages between a {@link FramePool} and its frame workers. Every buffer that crosses is an
 * `ArrayBuffer` of its own, transferred (moved, not copied): the sender's view is detached.
 */

/** Installs a message's content key in a worker under `slot` (sent once per message per worker). */
export interface KeyMessage {
  readonly type: 'key';
  readonly slot: number;
  readonly suiteId: number;
  /** The derived content key: transferred, so the sender keeps no copy; the worker zero-fills it on close. */
  readonly key: ArrayBuffer;
  readonly messageId: Uint8Array;
  readonly frameLength: number;
}

/**
 * Seals `regular` full frames numbered from `firstSequenceNumber`, then, when `final`, the final
 * frame with the rest of the plaintext. The reply is those frames serialized, in order.
 */
export interface SealMessage {
  readonly type: 'seal';
  readonly id: number;
  readonly slot: number;
  readonly firstSequenceNumber: number;
  readonly regular: number;
  readonly final: boolean;
  readonly plaintext: ArrayBuffer;
}

/** One frame of an open job: its IV and AAD as the frame reader parsed them, and its content length. */
export interface OpenFrame {
  readonly iv: Uint8Array;
  readonly aad: Uint8Array;
  readonly length: number;
}

/** Opens frames whose ciphertext and tag lie one after another in `data`; replies their plaintext. */
export interface OpenMessage {
  readonly type: 'open';
  readonly id: number;
  readonly slot: number;
  readonly frames: readonly OpenFrame[];
  readonly data: ArrayBuffer;
}

export interface CloseMessage {
  readonly type: 'close';
}

export type ToWorker = KeyMessage | SealMessage | OpenMessage | CloseMessage;

/** `bytes` is the job's output; `failure` says a frame did not authenticate ('auth') or why the job failed. */
export type FromWorker =
  | { readonly id: number; readonly bytes: ArrayBuffer }
  | { readonly id: number; readonly failure: 'auth' | { readonly message: string } };
