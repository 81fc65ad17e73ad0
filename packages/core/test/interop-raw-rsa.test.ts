import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { decrypt, encrypt, NotSupportedError, RawRsaKeyring } from '@envelope/core';
import { expect } from 'chai';
import { awsRawRsa, awsV2 } from './support/aws-sdk.js';
import { boundarySizes, COMMITTING_SUITES, CONTEXTS, hex } from './support/interop-cases.js';

// One key pair for the whole file: RSA key generation is the slow part.
const pem = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

describe('interoperability with @aws-crypto/client-node: raw RSA keyrings', () => {
  for (const hash of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
    describe(`RSA-OAEP with ${hash.toUpperCase()}`, () => {
      const ours = new RawRsaKeyring({
        keyNamespace: 'interop',
        keyName: 'rsa',
        privateKey: pem.privateKey,
        padding: `oaep-${hash}`,
      });
      const theirs = awsRawRsa('interop', 'rsa', pem, hash);

      for (const suiteId of COMMITTING_SUITES) {
        for (const frameLength of [1024, 4096]) {
          for (const { name, context } of CONTEXTS) {
            const label = `suite ${hex(suiteId)}, frame ${frameLength}, ${name}`;
            it(`their messages decrypt with ours and ours with theirs: ${label}`, async () => {
              for (const size of boundarySizes(frameLength)) {
                const plaintext = randomBytes(size);
                const { result } = await awsV2.encrypt(theirs, plaintext, {
                  suiteId: suiteId as never,
                  frameLength,
                  encryptionContext: context,
                });
                const mine = await decrypt(result, { keyring: ours, requiredEncryptionContext: context });
                expect(mine.plaintext.equals(plaintext), `theirs → ours, ${size} bytes`).to.equal(true);

                const { ciphertext } = await encrypt(plaintext, {
                  keyring: ours,
                  suiteId,
                  frameLength,
                  encryptionContext: context,
                });
                const back = await awsV2.decrypt(theirs, ciphertext);
                expect(
                  Buffer.from(back.plaintext).equals(plaintext),
                  `ours → theirs, ${size} bytes`,
                ).to.equal(true);
                expect(back.messageHeader.encryptionContext).to.include(context);
              }
            });
          }
        }
      }
    });
  }

  it('decrypts a 3 MiB message from their SDK and theirs decrypts ours (OAEP-SHA256)', async () => {
    const ours = new RawRsaKeyring({
      keyNamespace: 'interop',
      keyName: 'rsa',
      privateKey: pem.privateKey,
      padding: 'oaep-sha256',
    });
    const theirs = awsRawRsa('interop', 'rsa', pem, 'sha256');
    const plaintext = randomBytes(3 * 1024 * 1024);
    const { result } = await awsV2.encrypt(theirs, plaintext);
    expect((await decrypt(result, { keyring: ours })).plaintext.equals(plaintext)).to.equal(true);
    const { ciphertext } = await encrypt(plaintext, { keyring: ours });
    expect(Buffer.from((await awsV2.decrypt(theirs, ciphertext)).plaintext).equals(plaintext)).to.equal(true);
  });

  it('encrypts with a public key only; decrypting needs the private key', async () => {
    const encryptOnly = new RawRsaKeyring({
      keyNamespace: 'interop',
      keyName: 'rsa',
      publicKey: pem.publicKey,
      padding: 'oaep-sha256',
    });
    const { ciphertext } = await encrypt('public only', { keyring: encryptOnly });
    const back = await awsV2.decrypt(awsRawRsa('interop', 'rsa', pem, 'sha256'), ciphertext);
    expect(Buffer.from(back.plaintext).toString()).to.equal('public only');
  });

  // Platform behaviour: Node 20 refuses PKCS#1 v1.5 private decryption (Marvin mitigation); Node 22
  // and later allow it again, with OpenSSL's implicit rejection.
  const pkcs1Decrypts = Number(process.versions.node.split('.')[0]) >= 22;

  it(`encrypts with PKCS#1 v1.5 padding and ${pkcs1Decrypts ? 'decrypts it (Node >= 22)' : 'refuses to decrypt it with NotSupportedError (Node 20)'}`, async () => {
    const keyring = new RawRsaKeyring({
      keyNamespace: 'interop',
      keyName: 'rsa',
      privateKey: pem.privateKey,
      padding: 'pkcs1',
    });
    const { ciphertext } = await encrypt('legacy padding', { keyring });
    if (pkcs1Decrypts) {
      expect((await decrypt(ciphertext, { keyring })).plaintext.toString()).to.equal('legacy padding');
      return;
    }
    const error = (await decrypt(ciphertext, { keyring }).catch((e: unknown) => e)) as NotSupportedError;
    expect(error).to.be.instanceOf(NotSupportedError);
    expect(error.code).to.equal('ENVELOPE_NOT_SUPPORTED');
  });
});
