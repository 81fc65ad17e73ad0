import {
  createDecipheriv,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import {
  compressEccPublicKey,
  DecryptionFailedError,
  decrypt,
  type EcdhCurveSpec,
  type EncryptedDataKey,
  encrypt,
  InvalidArgumentError,
  KeyringError,
  MultiKeyring,
  NoDataKeyError,
  parseEcdhProviderInfo,
  parseHeader,
  RAW_ECDH_PROVIDER_ID,
  RawAesKeyring,
  RawEcdhKeyring,
} from '@envelope/core';
import { expect } from 'chai';
import { dafnyKey, dafnyVectors } from './support/dafny-vectors.js';
import { rejection } from './support/rejection.js';

const CURVES: Record<string, EcdhCurveSpec> = {
  'ecc-256': 'ECC_NIST_P256',
  'ecc-384': 'ECC_NIST_P384',
  'ecc-521': 'ECC_NIST_P521',
};
const OPENSSL: Record<EcdhCurveSpec, string> = {
  ECC_NIST_P256: 'prime256v1',
  ECC_NIST_P384: 'secp384r1',
  ECC_NIST_P521: 'secp521r1',
};
const der = (key: KeyObject) => key.export({ format: 'der', type: 'spki' });
const limits = { maxEncryptedDataKeys: 10, maxFrameLength: 1 << 20 };

describe('raw ECDH keyring', () => {
  describe('AWS Encryption SDK 4.1.0 vectors', () => {
    const vectors = dafnyVectors('raw-ecdh');
    it('has the 99 raw ECDH vectors (66 discovery, 33 static)', () => {
      expect(vectors).to.have.length(99);
      expect(vectors.filter((v) => v.keyDescription.schema === 'discovery')).to.have.length(66);
    });

    for (const vector of vectors) {
      const d = vector.keyDescription;
      const spec = CURVES[d['ecc-curve'] as string] as EcdhCurveSpec;
      const key = dafnyKey(d.recipient as string);
      const keyrings = (): RawEcdhKeyring[] =>
        d.schema === 'discovery'
          ? [
              new RawEcdhKeyring({
                keyAgreementScheme: 'PublicKeyDiscovery',
                curveSpec: spec,
                recipientStaticPrivateKey: key['recipient-material'] as string,
              }),
            ]
          : [
              // Either party of a static pair can decrypt: the recipient with the sender's public key …
              new RawEcdhKeyring({
                keyAgreementScheme: 'RawPrivateKeyToStaticPublicKey',
                curveSpec: spec,
                senderStaticPrivateKey: key['recipient-material'] as string,
                recipientPublicKey: Buffer.from(key['sender-material-public-key'] as string, 'base64'),
              }),
              // … and the sender with the recipient's.
              new RawEcdhKeyring({
                keyAgreementScheme: 'RawPrivateKeyToStaticPublicKey',
                curveSpec: spec,
                senderStaticPrivateKey: key['sender-material'] as string,
                recipientPublicKey: Buffer.from(key['recipient-material-public-key'] as string, 'base64'),
              }),
            ];

      it(`decrypts ${vector.name}: ${d.schema} ${spec} suite ${vector.suiteId}`, async () => {
        for (const keyring of keyrings()) {
          const out = await decrypt(vector.ciphertext, {
            keyring,
            commitmentPolicy: 'forbid-encrypt-allow-decrypt',
          });
          expect(out.plaintext.equals(vector.plaintext)).to.equal(true);
        }
        const header = parseHeader(vector.ciphertext, limits).header;
        const edk = header.encryptedDataKeys.find(
          (e) => e.providerId === RAW_ECDH_PROVIDER_ID,
        ) as EncryptedDataKey;
        const parties = parseEcdhProviderInfo(edk.providerInfo, spec);
        const recipient = createPublicKey({
          key: Buffer.from(key['recipient-material-public-key'] as string, 'base64'),
          format: 'der',
          type: 'spki',
        });
        expect(parties.recipientPublicKey.equals(compressEccPublicKey(recipient))).to.equal(true);
      });
    }

    it('refuses every vector for a key pair it was not addressed to, and for a flipped ciphertext byte', async () => {
      for (const vector of vectors) {
        const spec = CURVES[vector.keyDescription['ecc-curve'] as string] as EcdhCurveSpec;
        const stranger = new RawEcdhKeyring({
          keyAgreementScheme: 'PublicKeyDiscovery',
          curveSpec: spec,
          recipientStaticPrivateKey: generateKeyPairSync('ec', { namedCurve: OPENSSL[spec] }).privateKey,
        });
        const error = await rejection(
          decrypt(vector.ciphertext, { keyring: stranger, commitmentPolicy: 'forbid-encrypt-allow-decrypt' }),
        );
        expect(error).to.be.instanceOf(NoDataKeyError);
      }
    });
  });

  for (const spec of Object.values(CURVES)) {
    describe(`round trips on ${spec}`, () => {
      const alice = generateKeyPairSync('ec', { namedCurve: OPENSSL[spec] });
      const bob = generateKeyPairSync('ec', { namedCurve: OPENSSL[spec] });
      const alicePem = alice.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
      const bobPem = bob.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
      const aliceToBob = new RawEcdhKeyring({
        keyAgreementScheme: 'RawPrivateKeyToStaticPublicKey',
        curveSpec: spec,
        senderStaticPrivateKey: alicePem,
        recipientPublicKey: der(bob.publicKey),
      });
      const bobToAlice = new RawEcdhKeyring({
        keyAgreementScheme: 'RawPrivateKeyToStaticPublicKey',
        curveSpec: spec,
        senderStaticPrivateKey: bobPem,
        recipientPublicKey: der(alice.publicKey),
      });
      const ephemeralToBob = new RawEcdhKeyring({
        keyAgreementScheme: 'EphemeralPrivateKeyToStaticPublicKey',
        curveSpec: spec,
        recipientPublicKey: der(bob.publicKey),
      });
      const bobDiscovery = new RawEcdhKeyring({
        keyAgreementScheme: 'PublicKeyDiscovery',
        curveSpec: spec,
        recipientStaticPrivateKey: bobPem,
      });
      const context = { purpose: 'test', ключ: 'значение' };

      for (const suiteId of [0x0478, 0x0578]) {
        it(`static and ephemeral messages (suite 0x0${suiteId.toString(16)}) decrypt by the parties and nobody else`, async () => {
          const plaintext = randomBytes(5000);
          for (const [sender, readers] of [
            [aliceToBob, [aliceToBob, bobToAlice, bobDiscovery]],
            [ephemeralToBob, [bobDiscovery]],
          ] as const) {
            const { ciphertext } = await encrypt(plaintext, {
              keyring: sender,
              encryptionContext: context,
              suiteId,
              frameLength: 1024,
            });
            for (const keyring of readers) {
              const out = await decrypt(ciphertext, { keyring });
              expect(out.plaintext.equals(plaintext)).to.equal(true);
            }
          }
        });
      }

      it('writes the specification layout: provider id, info = 1 || len || recipient || len || sender, ciphertext sizes', async () => {
        const { ciphertext } = await encrypt('layout', { keyring: aliceToBob, suiteId: 0x0478 });
        const edk = firstEdk(ciphertext);
        const keyLength = { ECC_NIST_P256: 33, ECC_NIST_P384: 49, ECC_NIST_P521: 67 }[spec];
        expect(edk.providerId).to.equal('raw-ecdh');
        const info = edk.providerInfo;
        expect(info.length).to.equal(1 + 4 + keyLength + 4 + keyLength);
        expect(info[0]).to.equal(1);
        expect(info.readUInt32BE(1)).to.equal(keyLength);
        expect(info.subarray(5, 5 + keyLength).equals(compressEccPublicKey(bob.publicKey))).to.equal(true);
        expect(info.readUInt32BE(5 + keyLength)).to.equal(keyLength);
        expect(info.subarray(9 + keyLength).equals(compressEccPublicKey(alice.publicKey))).to.equal(true);
        // salt (32) || commitment key (32) || AES-256 data key (32) || tag (16)
        expect(edk.ciphertext.length).to.equal(32 + 32 + 32 + 16);
      });

      it('wraps byte for byte as framework/key-agreement-schemas.md derives it (checked independently)', async () => {
        const context2 = { b: '2', a: '1' };
        const { ciphertext } = await encrypt('exact', {
          keyring: aliceToBob,
          encryptionContext: context2,
          suiteId: 0x0478,
        });
        const edk = firstEdk(ciphertext);
        const [salt, commitment, wrapped, tag] = [0, 32, 64, 96].map((at, i, all) =>
          edk.ciphertext.subarray(at, all[i + 1] ?? edk.ciphertext.length),
        ) as [Buffer, Buffer, Buffer, Buffer];
        const z = diffieHellman({ privateKey: bob.privateKey, publicKey: alice.publicKey });
        const curveName = { ECC_NIST_P256: 'p256', ECC_NIST_P384: 'p384', ECC_NIST_P521: 'p521' }[spec];
        const serializedContext = Buffer.from('0002000161000131000162000132', 'hex'); // count 2, a=1, b=2
        const fixedInfo = Buffer.concat([
          Buffer.from(`ecdh-key-derivation\0${curveName}\0HMAC_SHA384\0`),
          compressEccPublicKey(alice.publicKey), // sender
          compressEccPublicKey(bob.publicKey), // recipient
          Buffer.of(0, 1, 0),
          serializedContext,
        ]);
        // SP 800-108 counter mode: HMAC-SHA384(Z, [i]_32 || FixedInfo || 0x00 || salt || [512]_32), i = 1, 2
        const block = (i: number) =>
          createHmac('sha384', z)
            .update(
              Buffer.concat([Buffer.of(0, 0, 0, i), fixedInfo, Buffer.of(0), salt, Buffer.of(0, 0, 2, 0)]),
            )
            .digest();
        const keying = Buffer.concat([block(1), block(2)]).subarray(0, 64);
        expect(commitment.equals(keying.subarray(0, 32))).to.equal(true);
        const decipher = createDecipheriv('aes-256-gcm', keying.subarray(32), Buffer.alloc(12));
        decipher.setAAD(fixedInfo);
        decipher.setAuthTag(tag);
        const dataKey = Buffer.concat([decipher.update(wrapped), decipher.final()]);
        expect(dataKey.length).to.equal(32);
      });

      it('never reuses an AES-GCM (wrapping key, zero IV) pair: every wrap has a fresh salt', async () => {
        const salts = new Set<string>();
        const commitments = new Set<string>();
        for (let i = 0; i < 20; i++) {
          const { ciphertext } = await encrypt('same', {
            keyring: aliceToBob,
            encryptionContext: context,
            suiteId: 0x0478,
          });
          const edk = firstEdk(ciphertext);
          salts.add(edk.ciphertext.subarray(0, 32).toString('hex'));
          commitments.add(edk.ciphertext.subarray(32, 64).toString('hex'));
        }
        expect(salts.size).to.equal(20);
        expect(commitments.size).to.equal(20);
      });

      it('refuses a tampered wrapped key, salt, commitment key, provider info or context', async () => {
        const { ciphertext } = await encrypt('tamper', {
          keyring: aliceToBob,
          encryptionContext: context,
          suiteId: 0x0478,
        });
        const edk = firstEdk(ciphertext);
        const at = ciphertext.indexOf(edk.ciphertext);
        for (const offset of [0, 40, 70, 100]) {
          const bad = Buffer.from(ciphertext);
          (bad[at + offset] as number) ^= 1;
          expect(await rejection(decrypt(bad, { keyring: bobDiscovery }))).to.be.instanceOf(KeyringError);
        }
        const infoAt = ciphertext.indexOf(edk.providerInfo);
        const badInfo = Buffer.from(ciphertext);
        (badInfo[infoAt + 10] as number) ^= 1; // the recipient key no longer names bob
        expect(await rejection(decrypt(badInfo, { keyring: bobDiscovery }))).to.be.instanceOf(NoDataKeyError);
        const badSender = Buffer.from(ciphertext);
        (badSender[infoAt + edk.providerInfo.length - 1] as number) ^= 1; // another sender point
        expect(await rejection(decrypt(badSender, { keyring: bobDiscovery }))).to.be.instanceOf(Error);
        const badVersion = Buffer.from(ciphertext);
        (badVersion[infoAt] as number) = 2; // not a layout this keyring knows: not its EDK
        expect(await rejection(decrypt(badVersion, { keyring: bobDiscovery }))).to.be.instanceOf(
          NoDataKeyError,
        );
      });

      it('refuses to encrypt with discovery, to decrypt with ephemeral, and keys on another curve', async () => {
        expect(await rejection(encrypt('x', { keyring: bobDiscovery }))).to.be.instanceOf(
          InvalidArgumentError,
        );
        const { ciphertext } = await encrypt('x', { keyring: ephemeralToBob });
        expect(await rejection(decrypt(ciphertext, { keyring: ephemeralToBob }))).to.be.instanceOf(
          KeyringError,
        );
        const other = spec === 'ECC_NIST_P256' ? 'secp384r1' : 'prime256v1';
        const wrong = generateKeyPairSync('ec', { namedCurve: other });
        expect(
          () =>
            new RawEcdhKeyring({
              keyAgreementScheme: 'EphemeralPrivateKeyToStaticPublicKey',
              curveSpec: spec,
              recipientPublicKey: der(wrong.publicKey),
            }),
        ).to.throw(InvalidArgumentError);
        expect(
          () =>
            new RawEcdhKeyring({
              keyAgreementScheme: 'PublicKeyDiscovery',
              curveSpec: spec,
              recipientStaticPrivateKey: 'not a pem',
            }),
        ).to.throw(InvalidArgumentError, /PEM/);
      });
    });
  }

  it('refuses an unknown curve or scheme', () => {
    const bob = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(
      () =>
        new RawEcdhKeyring({
          keyAgreementScheme: 'EphemeralPrivateKeyToStaticPublicKey',
          curveSpec: 'SM2' as EcdhCurveSpec,
          recipientPublicKey: der(bob.publicKey),
        }),
    ).to.throw(InvalidArgumentError, /SM2/);
    expect(
      () =>
        new RawEcdhKeyring({
          keyAgreementScheme: 'Nope',
          curveSpec: 'ECC_NIST_P256',
        } as never),
    ).to.throw(InvalidArgumentError, /scheme/);
  });

  it("an EDK on another curve is not the keyring's: recipients on P-256 and P-384 each read their own", async () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const to = (curveSpec: EcdhCurveSpec, key: KeyObject) =>
      new RawEcdhKeyring({
        keyAgreementScheme: 'EphemeralPrivateKeyToStaticPublicKey',
        curveSpec,
        recipientPublicKey: key,
      });
    const reader = (curveSpec: EcdhCurveSpec, key: KeyObject) =>
      new RawEcdhKeyring({
        keyAgreementScheme: 'PublicKeyDiscovery',
        curveSpec,
        recipientStaticPrivateKey: key,
      });
    const both = new MultiKeyring({
      generator: to('ECC_NIST_P256', p256.publicKey),
      children: [to('ECC_NIST_P384', p384.publicKey)],
    });
    const { ciphertext } = await encrypt('two curves', { keyring: both });
    for (const keyring of [
      reader('ECC_NIST_P256', p256.privateKey),
      reader('ECC_NIST_P384', p384.privateKey),
    ]) {
      expect((await decrypt(ciphertext, { keyring })).plaintext.toString()).to.equal('two curves');
    }
    const only384 = await encrypt('x', { keyring: to('ECC_NIST_P384', p384.publicKey) });
    expect(
      await rejection(decrypt(only384.ciphertext, { keyring: reader('ECC_NIST_P256', p256.privateKey) })),
    ).to.be.instanceOf(NoDataKeyError);
  });

  it('a multi-keyring mixes an ECDH recipient with a raw AES key: either one decrypts', async () => {
    const bob = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const ecdh = new RawEcdhKeyring({
      keyAgreementScheme: 'EphemeralPrivateKeyToStaticPublicKey',
      curveSpec: 'ECC_NIST_P384',
      recipientPublicKey: der(bob.publicKey),
    });
    const aes = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
    const { ciphertext } = await encrypt('both', {
      keyring: new MultiKeyring({ generator: aes, children: [ecdh] }),
    });
    const bobDiscovery = new RawEcdhKeyring({
      keyAgreementScheme: 'PublicKeyDiscovery',
      curveSpec: 'ECC_NIST_P384',
      recipientStaticPrivateKey: bob.privateKey,
    });
    for (const keyring of [aes, bobDiscovery])
      expect((await decrypt(ciphertext, { keyring })).plaintext.toString()).to.equal('both');
    const damaged = Buffer.from(ciphertext);
    damaged.fill(0, damaged.length - 10); // the signature's last bytes
    expect(await rejection(decrypt(damaged, { keyring: bobDiscovery }))).to.be.instanceOf(
      DecryptionFailedError,
    );
  });
});

function firstEdk(ciphertext: Buffer): EncryptedDataKey {
  const edk = parseHeader(ciphertext, limits).header.encryptedDataKeys[0];
  if (!edk) throw new Error('the message has no encrypted data key');
  return edk;
}
