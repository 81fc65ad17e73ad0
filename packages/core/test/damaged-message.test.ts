import { randomBytes } from 'node:crypto';
import {
  BodyFormatError,
  DecryptionFailedError,
  decrypt,
  decryptStream,
  encrypt,
  HeaderFormatError,
  KeyringError,
  LimitExceededError,
  NoDataKeyError,
  PUBLIC_KEY_CONTEXT_KEY,
  RawAesKeyring,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';
import fc from 'fast-check';

const keyring = new RawAesKeyring({ keyNamespace: 'damage', keyName: 'k', wrappingKey: randomBytes(32) });
const UNSIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const SIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;
const hex = (id: number) => `0x${id.toString(16).padStart(4, '0')}`;

/**
 * What damage to a message may surface as. Format and authentication errors, plus three a reader
 * cannot tell apart from damage before the header authenticates: a length field pushed past a reader
 * limit, and a wrapped data key (or the context a keyring binds) that no longer unwraps.
 * Never InvalidArgumentError (that is the caller's mistake), never an untyped error.
 */
const DAMAGE_ERRORS = [
  HeaderFormatError,
  BodyFormatError,
  DecryptionFailedError,
  LimitExceededError,
  NoDataKeyError,
  KeyringError,
] as const;

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}

async function decryptError(message: Buffer): Promise<unknown> {
  try {
    await decrypt(message, { keyring });
  } catch (error) {
    return error;
  }
  return undefined;
}

async function streamError(message: Buffer): Promise<unknown> {
  try {
    const stream = decryptStream({ keyring });
    stream.end(message);
    for await (const _ of stream);
  } catch (error) {
    return error;
  }
  return undefined;
}

async function expectDamageError(message: Buffer, what: string): Promise<void> {
  for (const error of [await decryptError(message), await streamError(message)]) {
    expect(error, `${what}: decrypt succeeded`).to.not.equal(undefined);
    expect(
      DAMAGE_ERRORS.some((type) => error instanceof type),
      `${what}: ${describeError(error)}`,
    ).to.equal(true);
  }
}

/** Byte range of the `aws-crypto-public-key` value inside the serialized header. */
function publicKeyValueRange(message: Buffer): [number, number] {
  const name = Buffer.from(PUBLIC_KEY_CONTEXT_KEY);
  const at = message.indexOf(name);
  expect(at).to.be.greaterThan(0);
  const valueLength = message.readUInt16BE(at + name.length);
  return [at + name.length + 2, at + name.length + 2 + valueLength];
}

describe('a damaged message', () => {
  for (const suiteId of [UNSIGNED, SIGNED]) {
    describe(`suite ${hex(suiteId)}`, () => {
      let message: Buffer;
      before(async () => {
        ({ ciphertext: message } = await encrypt(randomBytes(700), {
          keyring,
          suiteId,
          frameLength: 256,
          encryptionContext: { tenant: 'acme' },
        }));
      });

      it('fails with a format or decryption error for any changed byte', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.nat({ max: message.length - 1 }),
            fc.integer({ min: 1, max: 255 }),
            async (at, mask) => {
              const damaged = Buffer.from(message);
              damaged[at]! ^= mask;
              await expectDamageError(damaged, `byte ${at} ^ ${mask}`);
            },
          ),
          { numRuns: 150 },
        );
      });

      it('fails with a format or decryption error when truncated or followed by bytes', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.nat({ max: message.length - 1 }).map((cut) => ({ cut, extra: Buffer.alloc(0) })),
              fc
                .uint8Array({ minLength: 1, maxLength: 300 })
                .map((bytes) => ({ cut: message.length, extra: Buffer.from(bytes) })),
            ),
            async ({ cut, extra }) => {
              const damaged = Buffer.concat([message.subarray(0, cut), extra]);
              await expectDamageError(damaged, `cut at ${cut}, ${extra.length} bytes appended`);
            },
          ),
          { numRuns: 100 },
        );
      });

      it('fails with a decryption error when the suite id names the other committing suite', async () => {
        const damaged = Buffer.from(message);
        damaged.writeUInt16BE(suiteId === SIGNED ? UNSIGNED : SIGNED, 1);
        expect(await decryptError(damaged)).to.be.instanceOf(DecryptionFailedError);
        expect(await streamError(damaged)).to.be.instanceOf(DecryptionFailedError);
      });
    });
  }

  describe(`the signing key in a ${hex(SIGNED)} header`, () => {
    let message: Buffer;
    before(async () => {
      ({ ciphertext: message } = await encrypt(randomBytes(100), { keyring, suiteId: SIGNED }));
    });

    it('fails with a format or decryption error for any replacement of the key bytes', async () => {
      const [start, end] = publicKeyValueRange(message);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            // Any bytes (mostly not base64) …
            fc.uint8Array({ minLength: end - start, maxLength: end - start }),
            // … and base64 text that decodes to some other 49 bytes (rarely a curve point).
            fc
              .uint8Array({ minLength: 49, maxLength: 49 })
              .map((bytes) => Buffer.from(Buffer.from(bytes).toString('base64'))),
          ),
          async (replacement) => {
            const damaged = Buffer.from(message);
            damaged.set(replacement, start);
            await expectDamageError(damaged, `key ${Buffer.from(replacement).toString('hex')}`);
          },
        ),
        { numRuns: 100 },
      );
    });

    it('fails with a decryption error when the key entry is renamed away', async () => {
      const damaged = Buffer.from(message);
      const at = damaged.indexOf(Buffer.from(PUBLIC_KEY_CONTEXT_KEY));
      damaged[at + PUBLIC_KEY_CONTEXT_KEY.length - 1] = 'x'.charCodeAt(0); // '…-public-kex'
      expect(await decryptError(damaged)).to.be.instanceOf(DecryptionFailedError);
    });

    it('fails with a decryption error for a key in non-canonical base64', async () => {
      const damaged = Buffer.from(message);
      const [, end] = publicKeyValueRange(message);
      expect(damaged.subarray(end - 2, end).toString()).to.equal('==');
      damaged[end - 1] = '!'.charCodeAt(0); // ignored by a lenient base64 decoder
      expect(await decryptError(damaged)).to.be.instanceOf(DecryptionFailedError);
    });
  });
});
