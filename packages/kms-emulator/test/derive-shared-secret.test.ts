import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import {
  CreateKeyCommand,
  DeriveSharedSecretCommand,
  DescribeKeyCommand,
  GetPublicKeyCommand,
  type KMSClient,
  SignCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { type Harness, harness, rejection, STORE_KINDS } from './helpers.js';

const CURVES = {
  ECC_NIST_P256: 'prime256v1',
  ECC_NIST_P384: 'secp384r1',
  ECC_NIST_P521: 'secp521r1',
} as const;

for (const kind of STORE_KINDS) {
  describe(`DeriveSharedSecret (${kind} store)`, () => {
    let h: Harness;
    let kms: KMSClient;
    beforeEach(() => {
      h = harness(kind);
      kms = h.client();
    });
    afterEach(() => h.dispose());

    const create = async (
      KeySpec: keyof typeof CURVES,
      KeyUsage: 'KEY_AGREEMENT' | 'SIGN_VERIFY' = 'KEY_AGREEMENT',
    ) => (await kms.send(new CreateKeyCommand({ KeySpec, KeyUsage }))).KeyMetadata?.Arn as string;

    for (const [spec, curve] of Object.entries(CURVES) as [keyof typeof CURVES, string][]) {
      it(`${spec}: the secret is ECDH of the KMS private key and the peer public key (both sides agree)`, async () => {
        const KeyId = await create(spec);
        const peer = generateKeyPairSync('ec', { namedCurve: curve });
        const out = await kms.send(
          new DeriveSharedSecretCommand({
            KeyId,
            KeyAgreementAlgorithm: 'ECDH',
            PublicKey: peer.publicKey.export({ format: 'der', type: 'spki' }),
          }),
        );
        const { PublicKey, KeyUsage, KeyAgreementAlgorithms } = await kms.send(
          new GetPublicKeyCommand({ KeyId }),
        );
        expect(KeyUsage).to.equal('KEY_AGREEMENT');
        expect(KeyAgreementAlgorithms).to.deep.equal(['ECDH']);
        const kmsPublic = createPublicKey({
          key: Buffer.from(PublicKey as Uint8Array),
          format: 'der',
          type: 'spki',
        });
        const expected = diffieHellman({ privateKey: peer.privateKey, publicKey: kmsPublic });
        expect(Buffer.from(out.SharedSecret as Uint8Array).equals(expected)).to.equal(true);
        expect(out.KeyId).to.equal(KeyId);
        expect(out.KeyAgreementAlgorithm).to.equal('ECDH');
        const meta = await kms.send(new DescribeKeyCommand({ KeyId }));
        expect(meta.KeyMetadata?.KeyAgreementAlgorithms).to.deep.equal(['ECDH']);
        // Audited, and neither the secret nor the peer key is in the audit log.
        const audit = JSON.stringify(h.engine.auditLog({}));
        expect(audit).to.include('DeriveSharedSecret');
        for (const encoding of ['hex', 'base64'] as const)
          expect(audit).not.to.include(expected.toString(encoding));
      });
    }

    it('refuses a key without usage KEY_AGREEMENT, a public key on another curve or not DER, and signing with it', async () => {
      const signing = await create('ECC_NIST_P256', 'SIGN_VERIFY');
      const agreement = await create('ECC_NIST_P256');
      const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
        format: 'der',
        type: 'spki',
      });
      const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({
        format: 'der',
        type: 'spki',
      });
      const derive = (KeyId: string, PublicKey: Uint8Array) =>
        kms.send(new DeriveSharedSecretCommand({ KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey }));
      expect((await rejection(derive(signing, p256))).name).to.equal('InvalidKeyUsageException');
      expect((await rejection(derive(agreement, p384))).name).to.equal('ValidationException');
      expect((await rejection(derive(agreement, Buffer.from('not a key')))).name).to.equal(
        'ValidationException',
      );
      const sign = kms.send(
        new SignCommand({ KeyId: agreement, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256' }),
      );
      expect((await rejection(sign)).name).to.equal('InvalidKeyUsageException');
      const rsa = kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'KEY_AGREEMENT' }));
      expect((await rejection(rsa)).name).to.equal('ValidationException');
    });
  });
}
