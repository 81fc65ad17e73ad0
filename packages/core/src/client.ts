import { Duplex } from 'node:stream';
import { framedMessageLengthBound } from './format/body.js';
import type { EncryptionContext } from './format/encryption-context.js';
import { ContentType, type MessageHeader } from './format/header.js';
import { awsEncryptionSdkFormat, type EncryptDetails, type MessageFormat } from './format/message-format.js';
import type { SkippedMasterKey } from './materials/materials.js';
import type { DecryptOptions, EncryptOptions } from './options.js';
import { toBuffer } from './stream/chunk-queue.js';
import { decryptBuffer } from './stream/decrypt-buffer.js';
import { decryptTransform } from './stream/decrypt-transform.js';
import { encryptBuffer } from './stream/encrypt-buffer.js';
import { encryptTransform } from './stream/encrypt-transform.js';
import { OutputBuffer } from './stream/output-buffer.js';
import { type RewrapOptions, type RewrapReport, rewrapMessage } from './stream/rewrap-message.js';

export interface FormatChoice {
  /** Defaults to the AWS Encryption SDK message format. */
  readonly format?: MessageFormat;
}

export interface EncryptResult {
  readonly ciphertext: Buffer;
  readonly header: MessageHeader;
  /** Master keys a multi-keyring with `minimumWraps` left out, and why; empty when all wrapped. */
  readonly skippedMasterKeys: readonly SkippedMasterKey[];
}

export interface DecryptResult {
  readonly plaintext: Buffer;
  readonly header: MessageHeader;
  /** The message's context, including any `aws-crypto-` pairs the SDK wrote. */
  readonly encryptionContext: EncryptionContext;
}

/** Encrypts a buffer or string held in memory. Use {@link encryptStream} for large data. */
export async function encrypt(
  plaintext: Uint8Array | string,
  options: EncryptOptions & FormatChoice,
): Promise<EncryptResult> {
  const format = options.format ?? awsEncryptionSdkFormat;
  if (format === awsEncryptionSdkFormat && !options.parallel) {
    // One thread, our format: frames written straight into the output, no generator in between.
    const { ciphertext, header, details } = await encryptBuffer(toBuffer(plaintext), options);
    return { ciphertext, header, skippedMasterKeys: details.skippedMasterKeys };
  }
  const plaintextLength = typeof plaintext === 'string' ? Buffer.byteLength(plaintext) : plaintext.length;
  let header: MessageHeader | undefined;
  let details: EncryptDetails | undefined;
  const output = new OutputBuffer();
  let first = true;
  for await (const part of format.encrypt([plaintext], { plaintextLength, ...options }, (h, d) => {
    header = h;
    details = d;
  })) {
    // The first part is the header; with it the message's whole length is known (our format).
    if (first && header && format === awsEncryptionSdkFormat && header.contentType === ContentType.FRAMED) {
      const { suite, frameLength } = header;
      output.reserve(framedMessageLengthBound(suite, frameLength, part.length, plaintextLength));
    }
    first = false;
    output.push(part);
  }
  return {
    ciphertext: output.result(),
    header: header!,
    skippedMasterKeys: details?.skippedMasterKeys ?? [],
  };
}

/**
 * Decrypts a message held in memory. Nothing is returned unless the whole message, signature
 * included, authenticated; on failure every decrypted byte is zero-filled.
 */
export async function decrypt(
  ciphertext: Uint8Array,
  options: DecryptOptions & FormatChoice,
): Promise<DecryptResult> {
  const format = options.format ?? awsEncryptionSdkFormat;
  if (
    format === awsEncryptionSdkFormat &&
    !options.parallel &&
    options.releasePlaintext !== 'after-message'
  ) {
    // One thread, our format: frames opened straight into the output, no generator in between.
    const { plaintext, header } = await decryptBuffer(toBuffer(ciphertext), options);
    return { plaintext, header, encryptionContext: header.encryptionContext };
  }
  let header: MessageHeader | undefined;
  // A message of one frame (every small message) decrypts to one piece, the decipher's output,
  // returned as it is; from a second piece on the pieces are gathered into one output reserved at
  // the ciphertext's length (an upper bound of the plaintext's), each zero-filled once copied.
  const output = new OutputBuffer();
  output.reserveFromSecond(ciphertext.length);
  try {
    for await (const part of format.decrypt([ciphertext], options, (h) => (header = h))) {
      output.push(part, true);
    }
  } catch (error) {
    output.zero();
    throw error;
  }
  const plaintext = output.result();
  return { plaintext, header: header!, encryptionContext: header!.encryptionContext };
}

export interface RewrapResult extends RewrapReport {
  readonly ciphertext: Buffer;
}

/**
 * Rewraps a message held in memory for new master keys: a new message (new message id, body
 * re-encrypted) that decrypts to the same plaintext. See {@link rewrapMessage} for streams.
 */
export async function rewrap(ciphertext: Uint8Array, options: RewrapOptions): Promise<RewrapResult> {
  let report: RewrapReport | undefined;
  const parts: Buffer[] = [];
  for await (const part of rewrapMessage([ciphertext], options, (r) => (report = r))) parts.push(part);
  return { ciphertext: Buffer.concat(parts), ...report! };
}

/**
 * A Node duplex: plaintext in, ciphertext out. Emits `header` (header, {@link EncryptDetails})
 * before the first ciphertext byte.
 */
export function encryptStream(options: EncryptOptions & FormatChoice): Duplex {
  const format = options.format ?? awsEncryptionSdkFormat;
  // One thread, our format: a Transform, a callback per chunk (the generator below costs promises).
  if (format === awsEncryptionSdkFormat && !options.parallel) {
    const transform = encryptTransform(options, (header, details) =>
      transform.emit('header', header, details),
    );
    return transform;
  }
  // The format's generator is the duplex's body itself: a wrapping generator would add a promise
  // per chunk.
  const duplex: Duplex = Duplex.from((source: AsyncIterable<Uint8Array>) =>
    format.encrypt(source, options, (header, details) => duplex.emit('header', header, details)),
  );
  return duplex;
}

/**
 * A Node duplex: ciphertext in, plaintext out. Emits `header` once the header authenticated. If it
 * errors, the plaintext already written is incomplete and must be discarded (see docs/streaming.md).
 */
export function decryptStream(options: DecryptOptions & FormatChoice): Duplex {
  const format = options.format ?? awsEncryptionSdkFormat;
  // One thread, our format: a Transform, a callback per chunk (the generator below costs promises).
  if (format === awsEncryptionSdkFormat && !options.parallel) {
    const transform = decryptTransform(options, (header) => transform.emit('header', header));
    return transform;
  }
  const duplex: Duplex = Duplex.from((source: AsyncIterable<Uint8Array>) =>
    format.decrypt(source, options, (header) => duplex.emit('header', header)),
  );
  return duplex;
}
