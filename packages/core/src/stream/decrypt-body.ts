import type { KeyObject, Verify } from 'node:crypto';
import { DecryptionFailedError } from '../errors.js';
import { createVerifier } from '../suites/signature.js';
import { FrameReader } from './frame-reader.js';
import type { OpenedDecryption } from './open-decryption.js';
import { RegionHash } from './region-hash.js';

/**
 * The start and end of a message's body after {@link openDecryption}, the same for every decrypt
 * (the generator, the Transform, the buffer reader): a signed suite's verifier takes the raw header,
 * then every body byte the frame reader consumes; {@link end} checks the footer's signature over them
 * and that nothing follows the message.
 */
export class DecryptBody {
  /** Walks the frames, handing every byte it reads to the verifier (signed suites). */
  readonly frames: FrameReader;
  /** A signed suite: nothing is authentic until {@link end} returned. */
  readonly signed: boolean;
  readonly #verifier: Verify | undefined;
  readonly #verificationKey: KeyObject | undefined;
  /** With `inOneBuffer`: the bytes not yet handed to the verifier. */
  readonly #regions: RegionHash | undefined;

  /**
   * With `inOneBuffer` (the whole message is one buffer in memory, its frames read with no await in
   * between), the verifier hashes contiguous regions of it rather than each piece ({@link RegionHash}).
   */
  constructor(opened: OpenedDecryption, { inOneBuffer = false } = {}) {
    const { queue, limits, parsed, verificationKey } = opened;
    const { header } = parsed;
    const verifier = header.suite.signature ? createVerifier(header.suite.signature) : undefined;
    const regions = verifier && inOneBuffer ? new RegionHash(verifier) : undefined;
    const onBytes = regions
      ? (piece: Buffer) => regions.update(piece)
      : (piece: Buffer) => void verifier?.update(piece);
    onBytes(parsed.raw);
    this.frames = new FrameReader(queue, header, limits.maxFrameLength, onBytes);
    this.signed = verifier !== undefined;
    this.#verifier = verifier;
    this.#verificationKey = verificationKey;
    this.#regions = regions;
  }

  /**
   * After the final frame: the footer's signature (signed suites), then the end of the input.
   * Synchronous for an unsigned message whose input ends at once (a message held in memory).
   */
  end(): void | Promise<void> {
    this.#regions?.flush();
    const verifier = this.#verifier;
    const key = this.#verificationKey;
    if (!verifier || !key) return this.frames.assertEnd();
    return this.frames.footer().then((signature) => {
      if (!verifier.verify(key, signature)) throw new DecryptionFailedError();
      return this.frames.assertEnd();
    });
  }
}
