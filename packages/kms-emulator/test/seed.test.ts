import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  applySeed,
  KmsEngine,
  loadSeedFile,
  MemoryResourceStore,
  parseSeed,
  SeedFileError,
} from '../src/index.js';

const PORTABLE = fileURLToPath(new URL('./fixtures/portable-seed.yaml', import.meta.url));
const SYMMETRIC = '3c0f5a8e-6b1d-4e2f-9a7c-1d2e3f4a5b6c';
const MRK = 'mrk-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const HMAC = '7e6d5c4b-3a29-4817-8f6e-5d4c3b2a1908';
const RSA = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const ECC = '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9';

/** A fresh engine (its own random root key) seeded from `seed`. */
async function seededEngine(seed = loadSeedFile(PORTABLE)): Promise<KmsEngine> {
  const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  await applySeed(engine, seed);
  return engine;
}

const call = (engine: KmsEngine, op: string, input: Record<string, unknown>, region = 'us-east-1') =>
  engine.execute(op, input, engine.context(region));

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('seed key material (portable fixtures)', () => {
  it('two engines with different root keys decrypt each other’s ciphertext blobs', async () => {
    const [a, b] = [await seededEngine(), await seededEngine()];
    const context = { tenant: 'acme' };
    const { CiphertextBlob } = await call(a, 'Encrypt', {
      KeyId: 'alias/portable',
      Plaintext: Buffer.from('shared fixture'),
      EncryptionContext: context,
    });
    const out = await call(b, 'Decrypt', { CiphertextBlob, EncryptionContext: context });
    expect(Buffer.from(out.Plaintext as Uint8Array).toString()).to.equal('shared fixture');
    expect(out.KeyId).to.equal(`arn:aws:kms:us-east-1:111122223333:key/${SYMMETRIC}`);

    const dataKey = await call(b, 'GenerateDataKey', { KeyId: SYMMETRIC, NumberOfBytes: 32 });
    const back = await call(a, 'Decrypt', { CiphertextBlob: dataKey.CiphertextBlob });
    expect(Buffer.from(back.Plaintext as Uint8Array)).to.deep.equal(
      Buffer.from(dataKey.Plaintext as Uint8Array),
    );
  });

  it('decrypts a ciphertext blob committed with the fixture (blobs do not depend on the root key)', async () => {
    const blob = Buffer.from(
      readFileSync(fileURLToPath(new URL('./fixtures/portable-blob.b64', import.meta.url)), 'utf8').trim(),
      'base64',
    );
    const out = await call(await seededEngine(), 'Decrypt', {
      CiphertextBlob: blob,
      EncryptionContext: { fixture: 'portable-seed' },
    });
    expect(Buffer.from(out.Plaintext as Uint8Array).toString()).to.equal('committed with the seed');
  });

  it('a multi-Region key’s replica in one engine decrypts what the primary encrypted in another', async () => {
    const [a, b] = [await seededEngine(), await seededEngine()];
    const { CiphertextBlob } = await call(a, 'Encrypt', { KeyId: MRK, Plaintext: Buffer.from('dr') });
    const out = await call(b, 'Decrypt', { CiphertextBlob, KeyId: MRK }, 'eu-west-1');
    expect(Buffer.from(out.Plaintext as Uint8Array).toString()).to.equal('dr');
  });

  it('seeds HMAC, RSA and ECC keys with their material', async () => {
    const [a, b] = [await seededEngine(), await seededEngine()];
    const message = Buffer.from('mac me');
    const { Mac } = await call(a, 'GenerateMac', {
      KeyId: HMAC,
      Message: message,
      MacAlgorithm: 'HMAC_SHA_256',
    });
    const verified = await call(b, 'VerifyMac', {
      KeyId: HMAC,
      Message: message,
      Mac,
      MacAlgorithm: 'HMAC_SHA_256',
    });
    expect(verified.MacValid).to.equal(true);

    const rsa = await call(a, 'Encrypt', {
      KeyId: RSA,
      Plaintext: Buffer.from('rsa'),
      EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    const rsaOut = await call(b, 'Decrypt', {
      KeyId: RSA,
      CiphertextBlob: rsa.CiphertextBlob,
      EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    expect(Buffer.from(rsaOut.Plaintext as Uint8Array).toString()).to.equal('rsa');

    const { Signature } = await call(a, 'Sign', {
      KeyId: ECC,
      Message: message,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    const sig = await call(b, 'Verify', {
      KeyId: ECC,
      Message: message,
      Signature,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(sig.SignatureValid).to.equal(true);
  });

  it('without material, two engines seeded alike share ids but not keys', async () => {
    const seed = parseSeed({ keys: [{ id: SYMMETRIC }] });
    const [a, b] = [await seededEngine(seed), await seededEngine(seed)];
    const { CiphertextBlob } = await call(a, 'Encrypt', { KeyId: SYMMETRIC, Plaintext: Buffer.from('x') });
    const err = await rejection(call(b, 'Decrypt', { CiphertextBlob }));
    expect(err.name).to.equal('InvalidCiphertextException');
  });

  it('refuses material of the wrong size for the key spec, naming the key and never the material', async () => {
    const hex = randomBytes(16).toString('hex');
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const err = await rejection(
      applySeed(engine, parseSeed({ keys: [{ id: SYMMETRIC, material: { hex } }] })),
    );
    expect(err).to.be.instanceOf(SeedFileError);
    expect(err.message).to.include(`keys[0] (${SYMMETRIC})`).and.include('expected 32 bytes, got 16');
    expect(err.message).not.to.include(hex);
    expect((err as SeedFileError).code).to.equal('ENVELOPE_SEED_INVALID');
    // Nothing half-created: the key does not exist.
    const missing = await rejection(call(engine, 'DescribeKey', { KeyId: SYMMETRIC }));
    expect(missing.name).to.equal('NotFoundException');
  });

  it('refuses a PEM key that does not match the key spec, and an unreadable PEM', async () => {
    const pem = readFileSync(PORTABLE, 'utf8'); // any text with a PEM header; parsing fails
    const seed = loadSeedFile(PORTABLE);
    const ecPem = seed.keys.find((k) => k.id === ECC)!.material!;
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const wrongSpec = await rejection(
      applySeed(engine, parseSeed({ keys: [{ id: RSA, keySpec: 'RSA_2048', material: ecPem }] })),
    );
    expect(wrongSpec).to.be.instanceOf(SeedFileError);
    expect(wrongSpec.message).to.include('expected an RSA 2048-bit private key');
    const unreadable = await rejection(
      applySeed(engine, parseSeed({ keys: [{ id: RSA, keySpec: 'RSA_2048', material: { pem } }] })),
    );
    expect(unreadable.message).to.include('keys[0] (9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d).material');
    expect(unreadable.message).not.to.include('PRIVATE KEY');
  });

  it('rejects malformed material in the schema, naming the path', () => {
    expect(() => parseSeed({ keys: [{ id: SYMMETRIC, material: { hex: 'zz' } }] }))
      .to.throw(SeedFileError, /keys\[0\]\.material/)
      .with.property('message')
      .that.does.not.include('zz');
    expect(() => parseSeed({ keys: [{ id: SYMMETRIC, material: { base64: 'AA', hex: '00' } }] })).to.throw(
      SeedFileError,
    );
  });

  it('declares EXTERNAL keys with their material: imported, never expiring, portable between emulators', async () => {
    const base64 = randomBytes(32).toString('base64');
    const { material: ecPem } = loadSeedFile(PORTABLE).keys.find((k) => k.id === ECC)!;
    const seed = parseSeed({
      keys: [
        { id: SYMMETRIC, origin: 'EXTERNAL', material: { base64 }, aliases: ['alias/byok'] },
        { id: ECC, origin: 'EXTERNAL', keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', material: ecPem },
      ],
    });
    const [a, b] = [await seededEngine(seed), await seededEngine(seed)];
    const { KeyMetadata } = await call(a, 'DescribeKey', { KeyId: 'alias/byok' });
    expect(KeyMetadata).to.include({
      KeyId: SYMMETRIC,
      Origin: 'EXTERNAL',
      KeyState: 'Enabled',
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    const { CiphertextBlob } = await call(a, 'Encrypt', { KeyId: SYMMETRIC, Plaintext: Buffer.from('byok') });
    const { Plaintext } = await call(b, 'Decrypt', { CiphertextBlob });
    expect(Buffer.from(Plaintext as Uint8Array).toString()).to.equal('byok');
    const { Signature } = await call(a, 'Sign', {
      KeyId: ECC,
      Message: Buffer.from('m'),
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    const verified = await call(b, 'Verify', {
      KeyId: ECC,
      Message: Buffer.from('m'),
      Signature,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(verified.SignatureValid).to.equal(true);
    expect(JSON.stringify(a.auditLog())).not.to.include(base64);
    // Seeding again leaves the imported key as it is.
    expect((await applySeed(a, seed)).existing).to.have.length(2);
  });

  it('refuses an EXTERNAL key without material, or multi-Region, naming the path', () => {
    expect(() => parseSeed({ keys: [{ id: SYMMETRIC, origin: 'EXTERNAL' }] })).to.throw(
      SeedFileError,
      /keys\[0\]\.material: an EXTERNAL key needs its material/,
    );
    expect(() =>
      parseSeed({
        keys: [{ id: MRK, multiRegion: true, origin: 'EXTERNAL', material: { hex: '00'.repeat(32) } }],
      }),
    ).to.throw(SeedFileError, /keys\[0\]\.origin: EXTERNAL multi-Region keys are not supported/);
  });

  it('never writes seeded material into the audit log', async () => {
    const engine = await seededEngine();
    const text = JSON.stringify(engine.auditLog());
    for (const key of loadSeedFile(PORTABLE).keys) {
      const m = key.material;
      if (m && 'hex' in m) expect(text).not.to.include(m.hex);
      if (m && 'base64' in m) expect(text).not.to.include(m.base64);
    }
  });
});
