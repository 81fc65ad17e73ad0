import { randomBytes } from 'node:crypto';
import {
  BodyFormatError,
  type DecryptionMaterials,
  decrypt,
  decryptMessage,
  type EncryptedDataKey,
  EncryptionContextMismatchError,
  encrypt,
  HeaderFormatError,
  InvalidArgumentError,
  inspectMessage,
  type Keyring,
  LimitExceededError,
  MultiKeyring,
  parseHeader,
  RawAesKeyring,
  SuiteId,
  UnsupportedSuiteError,
} from '@envelope/core';
import { expect } from 'chai';
import { awsLegacy, awsRawAes } from './support/aws-sdk.js';

const wrappingKey = randomBytes(32);
const keyring = new RawAesKeyring({ keyNamespace: 'hdr', keyName: 'k', wrappingKey });
const limits = { maxEncryptedDataKeys: 32, maxFrameLength: 64 * 1024 * 1024 };

async function message(): Promise<Buffer> {
  const { ciphertext } = await encrypt('hello', {
    keyring,
    suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    encryptionContext: { a: 'b' },
    frameLength: 4096,
  });
  return ciphertext;
}

/** Offsets in a v2 header with context {a: 'b'} (data-format/message-header.md). */
const AT = { version: 0, suite: 1, aadLength: 35, aadCount: 37, edkCount: 45 };

async function expectError(bytes: Buffer, type: new (...args: never[]) => Error, pattern?: RegExp) {
  const error = await decrypt(bytes, { keyring }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(type);
  if (pattern) expect((error as Error).message).to.match(pattern);
  return error as Error;
}

describe('hostile message headers', () => {
  it('names the field and offset of an unknown version', async () => {
    const bytes = await message();
    bytes[AT.version] = 0x07;
    const error = (await expectError(
      bytes,
      HeaderFormatError,
      /version at byte 0 is 0x07/,
    )) as HeaderFormatError;
    expect(error.field).to.equal('version');
    expect(error.offset).to.equal(0);
  });

  it('rejects an unknown algorithm suite', async () => {
    const bytes = await message();
    bytes.writeUInt16BE(0x0999, AT.suite);
    await expectError(bytes, HeaderFormatError, /algorithm suite at byte 1 0x0999 is unknown/);
  });

  it('rejects a v1 suite in a v2 message', async () => {
    const bytes = await message();
    bytes.writeUInt16BE(SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256, AT.suite);
    await expectError(bytes, HeaderFormatError, /not valid in a version 2 message/);
  });

  it('rejects an encryption-context length that overruns its pairs', async () => {
    const bytes = await message();
    bytes.writeUInt16BE(bytes.readUInt16BE(AT.aadLength) - 1, AT.aadLength);
    await expectError(bytes, HeaderFormatError, /encryption context/);
  });

  it('rejects a duplicate encryption-context key', () => {
    // count 2, then "a"="b" twice
    const pair = Buffer.from([0, 1, 0x61, 0, 1, 0x62]);
    const aad = Buffer.concat([Buffer.from([0, 2]), pair, pair]);
    const header = Buffer.concat([
      Buffer.from([2, 0x04, 0x78]),
      randomBytes(32),
      Buffer.from([0, aad.length]),
      aad,
      Buffer.alloc(64),
    ]);
    expect(() => parseHeader(header, limits)).to.throw(HeaderFormatError, /is a duplicate/);
  });

  it('rejects an encrypted data key count of zero', async () => {
    const bytes = await message();
    bytes.writeUInt16BE(0, AT.edkCount);
    await expectError(bytes, HeaderFormatError, /encrypted data key count at byte 45 is zero/);
  });

  it('refuses an absurd EDK count before reading or allocating for the keys', () => {
    // A 50-byte header claiming 65535 EDKs: refused from the count alone.
    const header = Buffer.concat([
      Buffer.from([2, 0x04, 0x78]),
      randomBytes(32),
      Buffer.from([0, 0, 0xff, 0xff]),
    ]);
    expect(() => parseHeader(header, limits)).to.throw(
      LimitExceededError,
      /65535 encrypted data keys; this reader allows at most 32/,
    );
  });

  it('honours a lower maxEncryptedDataKeys', async () => {
    const bytes = await message();
    const error = await decrypt(bytes, { keyring, maxEncryptedDataKeys: 0 }).catch((e: Error) => e);
    expect(error).to.be.instanceOf(InvalidArgumentError);
  });

  it('rejects a zero frame length for a framed body and refuses a huge one', async () => {
    const bytes = await message();
    const frameAt = bytes.indexOf(Buffer.from([0x02, 0, 0, 0x10, 0]), 50);
    const zero = Buffer.from(bytes);
    zero.writeUInt32BE(0, frameAt + 1);
    await expectError(zero, HeaderFormatError, /frame length .* is 0/);
    const huge = Buffer.from(bytes);
    huge.writeUInt32BE(0xffffffff, frameAt + 1);
    await expectError(huge, LimitExceededError, /exceeds this reader's maxFrameLength/);
  });

  it('rejects empty and truncated input', async () => {
    await expectError(Buffer.alloc(0), BodyFormatError, /empty/);
    const bytes = await message();
    await expectError(bytes.subarray(0, 60), BodyFormatError, /inside its header/);
  });

  it('refuses reserved aws-crypto- context keys on encrypt', async () => {
    const error = await encrypt('x', { keyring, encryptionContext: { 'aws-crypto-public-key': 'x' } }).catch(
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(InvalidArgumentError);
  });

  it('refuses a legacy suite on encrypt under the default policy', async () => {
    const error = await encrypt('x', { keyring, suiteId: SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256 }).catch(
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(UnsupportedSuiteError);
  });

  it('checks required encryption context before asking any keyring', async () => {
    let calls = 0;
    const spy: Keyring = {
      description: 'spy',
      onEncrypt: (m) => keyring.onEncrypt(m),
      onDecrypt: (m: DecryptionMaterials, edks: readonly EncryptedDataKey[]) => {
        calls++;
        return keyring.onDecrypt(m, edks);
      },
    };
    const bytes = await message();
    const error = await decrypt(bytes, { keyring: spy, requiredEncryptionContext: { a: 'c' } }).catch(
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(EncryptionContextMismatchError);
    expect(calls).to.equal(0);
    expect(
      (await decrypt(bytes, { keyring: spy, requiredEncryptionContext: { a: 'b' } })).plaintext.toString(),
    ).to.equal('hello');
  });
  it('names the field and offset of an unknown algorithm suite', async () => {
    const bytes = await message();
    bytes.writeUInt16BE(0xbeef, AT.suite);
    const error = (await expectError(bytes, HeaderFormatError)) as HeaderFormatError;
    expect(error.offset).to.equal(AT.suite);
    expect(error.code).to.equal('ENVELOPE_HEADER_INVALID');
  });

  it('refuses 65535 EDKs with the default limit from a buffer far too small to hold them', async () => {
    const header = Buffer.concat([
      Buffer.from([2, 0x04, 0x78]),
      randomBytes(32),
      Buffer.from([0, 0, 0xff, 0xff]),
    ]);
    // Through decrypt too: the limit is hit before the reader asks for more input.
    await expectError(header, LimitExceededError);
  });

  it('refuses a frame length of 0xFFFFFFFF even with the largest maxFrameLength a reader can name', async () => {
    const bytes = await message();
    const frameAt = bytes.indexOf(Buffer.from([0x02, 0, 0, 0x10, 0]), 50);
    bytes.writeUInt32BE(0xffffffff, frameAt + 1);
    const error = await decrypt(bytes, { keyring, maxFrameLength: 1024 * 1024 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LimitExceededError);
  });

  it('rejects an encryption-context length that runs past the end of the header', async () => {
    const bytes = await message();
    bytes.writeUInt16BE(0xffff, AT.aadLength);
    // The declared section is longer than the whole message: a truncated header, not a bad pair.
    await expectError(bytes, BodyFormatError, /inside its header/);
  });

  it('rejects a pair count that promises more pairs than the context length holds', async () => {
    const bytes = await message();
    bytes.writeUInt16BE(2, AT.aadCount);
    const error = (await expectError(bytes, HeaderFormatError, /overruns/)) as HeaderFormatError;
    expect(error.offset).to.equal(AT.aadLength);
  });

  it('rejects a version 1 header whose reserved bytes are not zero', async () => {
    const { result } = await awsLegacy.encrypt(awsRawAes('hdr', 'k', wrappingKey), Buffer.from('legacy'), {
      suiteId: SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256 as never,
    });
    const message = Buffer.from(result);
    const { raw } = await inspectMessage([message]);
    // v1 header tail: content type (1), reserved (4), IV length (1), frame length (4); then IV and tag (28).
    const reservedAt = raw.length - 28 - 9;
    expect(message.readUInt32BE(reservedAt)).to.equal(0);
    message[reservedAt + 3] = 1;
    const error = (await decrypt(message, {
      keyring,
      commitmentPolicy: 'require-encrypt-allow-decrypt',
    }).catch((e: unknown) => e)) as HeaderFormatError;
    expect(error).to.be.instanceOf(HeaderFormatError);
    expect(error.offset).to.equal(reservedAt);
  });

  it('refuses a message with more EDKs than maxEncryptedDataKeys allows', async () => {
    const keyrings = [0, 1, 2].map(
      (i) => new RawAesKeyring({ keyNamespace: 'hdr', keyName: `k${i}`, wrappingKey: randomBytes(32) }),
    );
    const multi = new MultiKeyring({ generator: keyrings[0]!, children: keyrings.slice(1) });
    const { ciphertext } = await encrypt('three keys', { keyring: multi });
    const refused = await decrypt(ciphertext, { keyring: keyrings[0]!, maxEncryptedDataKeys: 2 }).catch(
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(LimitExceededError);
    const read = await decrypt(ciphertext, { keyring: keyrings[2]!, maxEncryptedDataKeys: 3 });
    expect(read.plaintext.toString()).to.equal('three keys');
  });

  it('fails with EncryptionContextMismatchError when a required key is missing altogether', async () => {
    const error = await decrypt(await message(), {
      keyring,
      requiredEncryptionContext: { tenant: 'x' },
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(EncryptionContextMismatchError);
  });
  it('reports every prefix of a valid header as a header truncation', async () => {
    const bytes = await message();
    const { raw } = await inspectMessage([bytes]);
    for (let cut = 1; cut < raw.length; cut++) {
      const error = await decrypt(bytes.subarray(0, cut), { keyring }).catch((e: unknown) => e);
      expect(error, `cut at ${cut}`).to.be.instanceOf(BodyFormatError);
      expect((error as Error).message, `cut at ${cut}`).to.match(/inside its header/);
    }
  });

  it('refuses a bad pair count as soon as the context arrives, without waiting for more input', async () => {
    const bytes = await message();
    bytes.writeUInt16BE(2, AT.aadCount);
    async function* headerThenSilence() {
      yield bytes.subarray(0, AT.edkCount + 2);
      await new Promise(() => {}); // a peer that never sends the rest
    }
    const outcome = await Promise.race([
      (async () => {
        for await (const _ of decryptMessage(headerThenSilence(), { keyring })) {
          // nothing is expected
        }
      })().catch((e: unknown) => e),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1000)),
    ]);
    expect(outcome).to.be.instanceOf(HeaderFormatError);
  });

  it('refuses a bad pair count as soon as it arrives when the header comes one byte at a time', async () => {
    const bytes = await message();
    bytes.writeUInt16BE(2, AT.aadCount);
    async function* byteByByteThenSilence() {
      for (let at = 0; at < AT.edkCount; at++) yield bytes.subarray(at, at + 1); // up to the context's end
      await new Promise(() => {}); // a peer that never sends the rest
    }
    const outcome = await Promise.race([
      (async () => {
        for await (const _ of decryptMessage(byteByByteThenSilence(), { keyring })) {
          // nothing is expected
        }
      })().catch((e: unknown) => e),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1000)),
    ]);
    expect(outcome).to.be.instanceOf(HeaderFormatError);
  });
});
