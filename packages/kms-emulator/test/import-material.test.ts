import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  CreateKeyCommand,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  type KMSClient,
  ScheduleKeyDeletionCommand,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { type WrappingAlgorithm, wrapKeyMaterial } from '../src/index.js';
import { bytes, type Harness, harness, rejection, STORE_KINDS } from './helpers.js';

const DAY = 86_400_000;

for (const kind of STORE_KINDS) {
  describe(`imported key material (${kind} store)`, () => {
    let now: number;
    let h: Harness;
    let kms: KMSClient;
    beforeEach(() => {
      now = Date.now();
      h = harness(kind, {}, () => new Date(now));
      kms = h.client();
    });
    afterEach(() => h.dispose());

    const createExternal = async (extra: Record<string, unknown> = {}) =>
      (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', ...extra }))).KeyMetadata!;

    /** GetParametersForImport, wrap locally, ImportKeyMaterial: the whole BYOK procedure. */
    async function importInto(
      KeyId: string,
      material: Uint8Array,
      options: { algorithm?: WrappingAlgorithm; validTo?: Date } = {},
    ) {
      const WrappingAlgorithm = options.algorithm ?? 'RSAES_OAEP_SHA_256';
      const params = await kms.send(
        new GetParametersForImportCommand({ KeyId, WrappingAlgorithm, WrappingKeySpec: 'RSA_2048' }),
      );
      return kms.send(
        new ImportKeyMaterialCommand({
          KeyId,
          ImportToken: params.ImportToken!,
          EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, WrappingAlgorithm, material),
          ...(options.validTo
            ? { ValidTo: options.validTo, ExpirationModel: 'KEY_MATERIAL_EXPIRES' as const }
            : { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const }),
        }),
      );
    }

    it('creates an EXTERNAL key in PendingImport that cannot encrypt until material is imported', async () => {
      const meta = await createExternal();
      expect(meta.Origin).to.equal('EXTERNAL');
      expect(meta.KeyState).to.equal('PendingImport');
      expect(meta.Enabled).to.equal(false);
      const err = await rejection(
        kms.send(new EncryptCommand({ KeyId: meta.KeyId!, Plaintext: bytes('x') })),
      );
      expect(err.name).to.equal('KMSInvalidStateException');
      expect(err.message).to.contain('pending import');
      const enable = await rejection(kms.send(new EnableKeyCommand({ KeyId: meta.KeyId! })));
      expect(enable.name).to.equal('KMSInvalidStateException');
    });

    for (const algorithm of [
      'RSAES_OAEP_SHA_1',
      'RSAES_OAEP_SHA_256',
      'RSA_AES_KEY_WRAP_SHA_1',
      'RSA_AES_KEY_WRAP_SHA_256',
    ] as const) {
      it(`imports 256-bit symmetric material wrapped with ${algorithm}`, async () => {
        const { KeyId } = await createExternal();
        const imported = await importInto(KeyId!, randomBytes(32), { algorithm });
        expect(imported.KeyMaterialId).to.match(/^[0-9a-f]{64}$/);
        const meta = (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
        expect(meta.KeyState).to.equal('Enabled');
        expect(meta.ExpirationModel).to.equal('KEY_MATERIAL_DOES_NOT_EXPIRE');
        const ct = await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('secret') }));
        const pt = await kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob! }));
        expect(Buffer.from(pt.Plaintext!).toString()).to.equal('secret');
      });
    }

    it('returns the parameters bound to the key with a 24-hour validity', async () => {
      const { KeyId, Arn } = await createExternal();
      const params = await kms.send(
        new GetParametersForImportCommand({
          KeyId,
          WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256',
          WrappingKeySpec: 'RSA_3072',
        }),
      );
      expect(params.KeyId).to.equal(Arn);
      expect(params.ParametersValidTo!.getTime()).to.be.closeTo(now + DAY, 1000);
      expect(params.PublicKey!.length).to.be.greaterThan(384);
    });

    it('refuses GetParametersForImport on an AWS_KMS key (UnsupportedOperationException)', async () => {
      const { KeyId } = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      const err = await rejection(
        kms.send(
          new GetParametersForImportCommand({
            KeyId,
            WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
            WrappingKeySpec: 'RSA_2048',
          }),
        ),
      );
      expect(err.name).to.equal('UnsupportedOperationException');
      expect(err.message).to.contain('origin is AWS_KMS');
    });

    it('refuses an expired token, a token of another key, and material of the wrong length', async () => {
      const a = await createExternal();
      const b = await createExternal();
      const params = await kms.send(
        new GetParametersForImportCommand({
          KeyId: a.KeyId,
          WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
          WrappingKeySpec: 'RSA_2048',
        }),
      );
      const send = (KeyId: string, material: Uint8Array) =>
        kms.send(
          new ImportKeyMaterialCommand({
            KeyId,
            ImportToken: params.ImportToken!,
            EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, 'RSAES_OAEP_SHA_256', material),
            ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
          }),
        );
      expect((await rejection(send(b.KeyId!, randomBytes(32)))).name).to.equal('InvalidImportTokenException');
      const short = await rejection(send(a.KeyId!, randomBytes(16)));
      expect(short.name).to.equal('IncorrectKeyMaterialException');
      expect(short.message).to.contain('256 bits');
      now += DAY + 1;
      expect((await rejection(send(a.KeyId!, randomBytes(32)))).name).to.equal('ExpiredImportTokenException');
    });

    it('re-imports only the same material; ciphertexts decrypt again after DeleteImportedKeyMaterial', async () => {
      const { KeyId } = await createExternal();
      const material = randomBytes(32);
      await importInto(KeyId!, material);
      const ct = await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('kept') }));
      await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId }));
      expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.KeyState).to.equal(
        'PendingImport',
      );
      const gone = await rejection(kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob! })));
      expect(gone.name).to.equal('KMSInvalidStateException');
      const other = await rejection(importInto(KeyId!, randomBytes(32)));
      expect(other.name).to.equal('IncorrectKeyMaterialException');
      await importInto(KeyId!, material);
      const pt = await kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob! }));
      expect(Buffer.from(pt.Plaintext!).toString()).to.equal('kept');
    });

    it('expires material at ValidTo: back to PendingImport until the same material returns', async () => {
      const { KeyId } = await createExternal();
      const material = randomBytes(32);
      await importInto(KeyId!, material, { validTo: new Date(now + 2 * DAY) });
      const meta = (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
      expect(meta.ExpirationModel).to.equal('KEY_MATERIAL_EXPIRES');
      expect(meta.ValidTo!.getTime()).to.be.closeTo(now + 2 * DAY, 1000);
      const ct = await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('later') }));
      now += 2 * DAY + 1;
      const expired = await rejection(kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob! })));
      expect(expired.name).to.equal('KMSInvalidStateException');
      expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.KeyState).to.equal(
        'PendingImport',
      );
      await importInto(KeyId!, material);
      const pt = await kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob! }));
      expect(Buffer.from(pt.Plaintext!).toString()).to.equal('later');
    });

    it('validates ValidTo against ExpirationModel', async () => {
      const { KeyId } = await createExternal();
      const params = await kms.send(
        new GetParametersForImportCommand({
          KeyId,
          WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
          WrappingKeySpec: 'RSA_2048',
        }),
      );
      const base = {
        KeyId,
        ImportToken: params.ImportToken!,
        EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, 'RSAES_OAEP_SHA_256', randomBytes(32)),
      };
      const missing = await rejection(
        kms.send(new ImportKeyMaterialCommand({ ...base, ExpirationModel: 'KEY_MATERIAL_EXPIRES' })),
      );
      expect(missing.name).to.equal('ValidationException');
      const past = await rejection(
        kms.send(new ImportKeyMaterialCommand({ ...base, ValidTo: new Date(now - 1000) })),
      );
      expect(past.name).to.equal('ValidationException');
      const both = await rejection(
        kms.send(
          new ImportKeyMaterialCommand({
            ...base,
            ValidTo: new Date(now + DAY),
            ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
          }),
        ),
      );
      expect(both.name).to.equal('ValidationException');
    });

    it('imports HMAC and asymmetric signing material; a key of another spec is refused', async () => {
      const hmac = await createExternal({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      await importInto(hmac.KeyId!, randomBytes(32));
      const mac = await kms.send(
        new GenerateMacCommand({ KeyId: hmac.KeyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }),
      );
      expect(mac.Mac!.length).to.equal(32);

      const ecc = await createExternal({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
      const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
      const wrong = await rejection(
        importInto(ecc.KeyId!, p384.export({ format: 'der', type: 'pkcs8' }), {
          algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        }),
      );
      expect(wrong.name).to.equal('IncorrectKeyMaterialException');
      const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      await importInto(ecc.KeyId!, p256.export({ format: 'der', type: 'pkcs8' }), {
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      });
      const sig = await kms.send(
        new SignCommand({ KeyId: ecc.KeyId, Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_256' }),
      );
      const ok = await kms.send(
        new VerifyCommand({
          KeyId: ecc.KeyId,
          Message: bytes('m'),
          SigningAlgorithm: 'ECDSA_SHA_256',
          Signature: sig.Signature!,
        }),
      );
      expect(ok.SignatureValid).to.equal(true);
    });

    it('keeps key material and import tokens out of the audit log', async () => {
      const { KeyId } = await createExternal();
      const material = randomBytes(32);
      const params = await kms.send(
        new GetParametersForImportCommand({
          KeyId,
          WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
          WrappingKeySpec: 'RSA_2048',
        }),
      );
      await kms.send(
        new ImportKeyMaterialCommand({
          KeyId,
          ImportToken: params.ImportToken!,
          EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, 'RSAES_OAEP_SHA_256', material),
          ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
        }),
      );
      const log = JSON.stringify(h.engine.auditLog());
      expect(log).to.contain('ImportKeyMaterial');
      expect(log).not.to.contain(Buffer.from(params.ImportToken!).toString('base64').slice(0, 40));
      expect(log).not.to.contain(material.toString('base64'));
      expect(log).not.to.contain(material.toString('hex'));
    });

    it('a pending-deletion EXTERNAL key refuses import; cancel brings it back to PendingImport', async () => {
      const { KeyId } = await createExternal();
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
      const err = await rejection(importInto(KeyId!, randomBytes(32)));
      expect(err.name).to.equal('KMSInvalidStateException');
      const { CancelKeyDeletionCommand } = await import('@aws-sdk/client-kms');
      await kms.send(new CancelKeyDeletionCommand({ KeyId }));
      expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.KeyState).to.equal(
        'PendingImport',
      );
    });
  });
}
