import { randomBytes } from 'node:crypto';
import {
  CommitmentPolicy as AwsCommitmentPolicy,
  buildClient,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import {
  DecryptionFailedError,
  decrypt,
  encrypt,
  InvalidArgumentError,
  inspectMessage,
  MultiKeyring,
  NoDataKeyError,
  RawAesKeyring,
  rewrapMessage,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';

const aws = buildClient(AwsCommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

function aesKeyring(name: string) {
  const key = randomBytes(32);
  return {
    key,
    ours: new RawAesKeyring({ keyNamespace: 'dr', keyName: name, wrappingKey: key }),
    theirs: () =>
      new RawAesKeyringNode({
        keyNamespace: 'dr',
        keyName: name,
        unencryptedMasterKey: new Uint8Array(key),
        wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
      }),
  };
}

async function rewrap(message: Buffer, options: Parameters<typeof rewrapMessage>[1]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of rewrapMessage([message], options)) parts.push(part);
  return Buffer.concat(parts);
}

async function bodyOf(message: Buffer): Promise<Buffer> {
  const { length } = await inspectMessage([message]);
  return message.subarray(length);
}

/** The body of a signed message without its footer (2-byte length, then a DER ECDSA signature). */
function withoutFooter(body: Buffer): Buffer {
  for (let length = 64; length <= 110; length++) {
    const at = body.length - length - 2;
    // A DER SEQUENCE (0x30) whose own length byte covers the rest of the signature.
    if (body.readUInt16BE(at) === length && body[at + 2] === 0x30 && body[at + 3] === length - 2) {
      return body.subarray(0, at);
    }
  }
  throw new Error('no footer found');
}

describe('rewrap', () => {
  const east = aesKeyring('us-east-1');
  const west = aesKeyring('us-west-2');
  const north = aesKeyring('eu-north-1');
  const plaintext = randomBytes(200_000);

  it('adds a master key to an unsigned message without changing a byte of its body', async () => {
    const { ciphertext } = await encrypt(plaintext, {
      keyring: east.ours,
      suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      frameLength: 4096,
      encryptionContext: { app: 'ledger' },
    });
    const added = await rewrap(ciphertext, { keyring: east.ours, newKeyring: west.ours, keep: () => true });
    expect((await bodyOf(added)).equals(await bodyOf(ciphertext))).to.equal(true);
    expect((await decrypt(added, { keyring: west.ours })).plaintext.equals(plaintext)).to.equal(true);
    expect((await decrypt(added, { keyring: east.ours })).plaintext.equals(plaintext)).to.equal(true);
    const theirs = await aws.decrypt(west.theirs(), added);
    expect(Buffer.from(theirs.plaintext).equals(plaintext)).to.equal(true);
  });

  it('removes a master key (rotating it out) so it no longer decrypts', async () => {
    const { ciphertext } = await encrypt(plaintext, {
      keyring: new MultiKeyring({ generator: east.ours, children: [west.ours] }),
      suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    });
    const removed = await rewrap(ciphertext, {
      keyring: west.ours,
      keep: (edk) => !edk.providerInfo.toString('latin1').startsWith('us-east-1'),
    });
    expect((await inspectMessage([removed])).header.encryptedDataKeys).to.have.length(1);
    const error = await decrypt(removed, { keyring: east.ours }).catch((e: Error) => e);
    expect(error).to.be.instanceOf(NoDataKeyError);
  });

  it('re-signs a signed message with a fresh key, body unchanged, readable by the AWS SDK', async () => {
    const { ciphertext } = await encrypt(plaintext, {
      keyring: east.ours,
      encryptionContext: { app: 'ledger' },
    });
    const replaced = await rewrap(ciphertext, {
      keyring: east.ours,
      newKeyring: new MultiKeyring({ generator: east.ours, children: [west.ours, north.ours] }),
    });
    expect(withoutFooter(await bodyOf(replaced)).equals(withoutFooter(await bodyOf(ciphertext)))).to.equal(
      true,
    );
    for (const ring of [east, west, north]) {
      const { plaintext: out, encryptionContext } = await decrypt(replaced, { keyring: ring.ours });
      expect(out.equals(plaintext)).to.equal(true);
      expect(encryptionContext.app).to.equal('ledger');
    }
    const theirs = await aws.decrypt(north.theirs(), replaced);
    expect(Buffer.from(theirs.plaintext).equals(plaintext)).to.equal(true);
  });

  it('refuses to keep old data keys of a signed message', async () => {
    const { ciphertext } = await encrypt('x', { keyring: east.ours });
    const error = await rewrap(ciphertext, {
      keyring: east.ours,
      newKeyring: west.ours,
      keep: () => true,
    }).catch((e: Error) => e);
    expect(error).to.be.instanceOf(InvalidArgumentError);
  });

  it('does not launder a tampered body or signature', async () => {
    for (const suiteId of [
      SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    ]) {
      const { ciphertext } = await encrypt(plaintext, { keyring: east.ours, suiteId });
      const tampered = Buffer.from(ciphertext);
      tampered[tampered.length - 10]! ^= 1;
      const error = await rewrap(tampered, { keyring: east.ours, newKeyring: west.ours }).catch(
        (e: Error) => e,
      );
      expect(error).to.be.instanceOf(DecryptionFailedError);
    }
  });
});
