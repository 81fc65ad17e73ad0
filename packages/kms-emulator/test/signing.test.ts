import { constants, createHash, createPublicKey, createVerify, verify } from 'node:crypto';
import {
  CreateKeyCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  type KMSClient,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { bytes, type Harness, harness, rejection, STORE_KINDS } from './helpers.js';

for (const kind of STORE_KINDS) {
  describe(`signing and MAC operations (${kind} store)`, () => {
    let h: Harness;
    let kms: KMSClient;
    let keyId: string;
    beforeEach(async () => {
      h = harness(kind);
      kms = h.client();
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      keyId = KeyMetadata!.KeyId!;
    });
    afterEach(() => h.dispose());

    describe('Sign / Verify / GetPublicKey', () => {
      it('signs with RSA PSS and PKCS#1 v1.5 and ECDSA; verification matches OpenSSL', async () => {
        const rsa = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })))
          .KeyMetadata!.KeyId!;
        const ecc = (
          await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))
        ).KeyMetadata!.KeyId!;
        const Message = bytes('message');
        for (const [KeyId, SigningAlgorithm] of [
          [rsa, 'RSASSA_PSS_SHA_256'],
          [rsa, 'RSASSA_PKCS1_V1_5_SHA_384'],
          [ecc, 'ECDSA_SHA_256'],
        ] as const) {
          const sig = await kms.send(new SignCommand({ KeyId, Message, SigningAlgorithm }));
          const ok = await kms.send(
            new VerifyCommand({ KeyId, Message, SigningAlgorithm, Signature: sig.Signature! }),
          );
          expect(ok.SignatureValid).to.equal(true);
          const bad = await rejection(
            kms.send(
              new VerifyCommand({
                KeyId,
                Message: bytes('other'),
                SigningAlgorithm,
                Signature: sig.Signature!,
              }),
            ),
          );
          expect(bad.name).to.equal('KMSInvalidSignatureException');
        }
        const pub = await kms.send(new GetPublicKeyCommand({ KeyId: ecc }));
        expect(pub.KeySpec).to.equal('ECC_NIST_P256');
        const sig = await kms.send(
          new SignCommand({ KeyId: ecc, Message, SigningAlgorithm: 'ECDSA_SHA_256' }),
        );
        const key = createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' });
        expect(createVerify('sha256').update(Message).verify(key, Buffer.from(sig.Signature!))).to.equal(
          true,
        );
      });

      it('signs a DIGEST message with PKCS#1 v1.5', async () => {
        const { createHash } = await import('node:crypto');
        const rsa = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })))
          .KeyMetadata!.KeyId!;
        const Message = createHash('sha256').update('m').digest();
        const sig = await kms.send(
          new SignCommand({
            KeyId: rsa,
            Message,
            MessageType: 'DIGEST',
            SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
          }),
        );
        const raw = await kms.send(
          new VerifyCommand({
            KeyId: rsa,
            Message: bytes('m'),
            SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
            Signature: sig.Signature!,
          }),
        );
        expect(raw.SignatureValid).to.equal(true);
      });

      for (const [KeySpec, SigningAlgorithm, hash] of [
        ['RSA_2048', 'RSASSA_PSS_SHA_256', 'sha256'],
        ['RSA_3072', 'RSASSA_PSS_SHA_384', 'sha384'],
        ['RSA_2048', 'RSASSA_PSS_SHA_512', 'sha512'],
        ['ECC_NIST_P256', 'ECDSA_SHA_256', 'sha256'],
        ['ECC_NIST_P384', 'ECDSA_SHA_384', 'sha384'],
        ['ECC_NIST_P521', 'ECDSA_SHA_512', 'sha512'],
      ] as const) {
        it(`signs and verifies a DIGEST with ${SigningAlgorithm} (${KeySpec}), interoperable with RAW and OpenSSL`, async () => {
          const KeyId = (await kms.send(new CreateKeyCommand({ KeySpec, KeyUsage: 'SIGN_VERIFY' })))
            .KeyMetadata!.KeyId!;
          const message = bytes('the message');
          const digest = createHash(hash).update(message).digest();
          const signed = await kms.send(
            new SignCommand({ KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm }),
          );
          const raw = await kms.send(
            new VerifyCommand({ KeyId, Message: message, SigningAlgorithm, Signature: signed.Signature! }),
          );
          expect(raw.SignatureValid).to.equal(true);
          const pub = await kms.send(new GetPublicKeyCommand({ KeyId }));
          const publicKey = createPublicKey({
            key: Buffer.from(pub.PublicKey!),
            format: 'der',
            type: 'spki',
          });
          const pss = SigningAlgorithm.startsWith('RSASSA_PSS')
            ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digest.length }
            : {};
          expect(verify(hash, message, { key: publicKey, ...pss }, Buffer.from(signed.Signature!))).to.equal(
            true,
          );

          const rawSig = await kms.send(new SignCommand({ KeyId, Message: message, SigningAlgorithm }));
          const asDigest = await kms.send(
            new VerifyCommand({
              KeyId,
              Message: digest,
              MessageType: 'DIGEST',
              SigningAlgorithm,
              Signature: rawSig.Signature!,
            }),
          );
          expect(asDigest.SignatureValid).to.equal(true);
          const other = createHash(hash).update('another message').digest();
          const bad = await rejection(
            kms.send(
              new VerifyCommand({
                KeyId,
                Message: other,
                MessageType: 'DIGEST',
                SigningAlgorithm,
                Signature: rawSig.Signature!,
              }),
            ),
          );
          expect(bad.name).to.equal('KMSInvalidSignatureException');
        });
      }

      it('refuses a digest of the wrong length (ValidationException)', async () => {
        const ecc = (
          await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' }))
        ).KeyMetadata!.KeyId!;
        const err = await rejection(
          kms.send(
            new SignCommand({
              KeyId: ecc,
              Message: createHash('sha256').update('m').digest(),
              MessageType: 'DIGEST',
              SigningAlgorithm: 'ECDSA_SHA_384',
            }),
          ),
        );
        expect(err.name).to.equal('ValidationException');
        expect(err.message).to.contain('Digest is invalid length for algorithm ECDSA_SHA_384');
      });

      it('rejects an algorithm the key does not support and GetPublicKey on a symmetric key', async () => {
        const ecc = (
          await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))
        ).KeyMetadata!.KeyId!;
        const err = await rejection(
          kms.send(new SignCommand({ KeyId: ecc, Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_512' })),
        );
        expect(err.name).to.equal('InvalidKeyUsageException');
        const sym = await rejection(kms.send(new GetPublicKeyCommand({ KeyId: keyId })));
        expect(sym.name).to.equal('UnsupportedOperationException');
      });
    });

    describe('GenerateMac / VerifyMac', () => {
      it('generates and verifies an HMAC; a wrong MAC is KMSInvalidMacException', async () => {
        const hmac = (
          await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' }))
        ).KeyMetadata!.KeyId!;
        const mac = await kms.send(
          new GenerateMacCommand({ KeyId: hmac, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_384' }),
        );
        expect(mac.Mac!.length).to.equal(48);
        const ok = await kms.send(
          new VerifyMacCommand({
            KeyId: hmac,
            Message: bytes('m'),
            MacAlgorithm: 'HMAC_SHA_384',
            Mac: mac.Mac!,
          }),
        );
        expect(ok.MacValid).to.equal(true);
        const bad = await rejection(
          kms.send(
            new VerifyMacCommand({
              KeyId: hmac,
              Message: bytes('n'),
              MacAlgorithm: 'HMAC_SHA_384',
              Mac: mac.Mac!,
            }),
          ),
        );
        expect(bad.name).to.equal('KMSInvalidMacException');
        const wrong = await rejection(
          kms.send(
            new GenerateMacCommand({ KeyId: keyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }),
          ),
        );
        expect(wrong.name).to.equal('InvalidKeyUsageException');
      });
    });
  });
}
