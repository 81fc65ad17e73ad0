import { randomBytes } from 'node:crypto';
import { AzureKeyVaultService, HsmCore, MemoryResourceStore } from '@envelope/kms-emulator';
import { expect } from 'chai';
import { createAzureEmulatorToken, dispatchAzureRest } from '../src/index.js';

describe('Azure Key Vault REST: secrets in a request', () => {
  let service: AzureKeyVaultService;
  const token = () =>
    createAzureEmulatorToken({ audience: 'https://vault.localhost/.default', oid: 'me' }).token;
  const call = (path: string, body: unknown) =>
    dispatchAzureRest(service, {
      method: 'POST',
      url: new URL(`https://myvault.vault.localhost${path}?api-version=7.6`),
      headers: { authorization: `Bearer ${token()}` },
      body: JSON.stringify(body),
    });

  /** Every Buffer decoded from `text` as base64url while `run` runs: the service's only copies of it. */
  async function decodedCopies(text: string, run: () => Promise<unknown>): Promise<Buffer[]> {
    const copies: Buffer[] = [];
    const from = Buffer.from;
    Buffer.from = ((value: unknown, encoding?: unknown) => {
      const decoded = (from as (v: unknown, e?: unknown) => Buffer)(value, encoding);
      if (value === text && encoding === 'base64url') copies.push(decoded);
      return decoded;
    }) as typeof Buffer.from;
    try {
      await run();
    } finally {
      Buffer.from = from;
    }
    return copies;
  }

  beforeEach(async () => {
    service = new AzureKeyVaultService(
      new HsmCore({ store: new MemoryResourceStore(), rootKey: randomBytes(32) }),
    );
    const created = await call('/keys/rsa/create', { kty: 'RSA', key_size: 2048 });
    expect(created.status).to.equal(200);
  });

  for (const operation of ['wrapkey', 'encrypt'] as const) {
    it(`zero-fills the plaintext a ${operation} request carries once it is used`, async () => {
      const dataKey = randomBytes(32);
      const text = dataKey.toString('base64url');
      let wrapped = '';
      const copies = await decodedCopies(text, async () => {
        const res = await call(`/keys/rsa/${operation}`, { alg: 'RSA-OAEP-256', value: text });
        expect(res.status, res.body).to.equal(200);
        wrapped = (JSON.parse(res.body!) as { value: string }).value;
      });
      expect(copies).to.not.be.empty;
      for (const copy of copies)
        expect(copy.equals(Buffer.alloc(32)), 'request plaintext wiped').to.equal(true);

      // The wrap is still right: unwrapping answers the same key.
      const back = operation === 'wrapkey' ? 'unwrapkey' : 'decrypt';
      const res = await call(`/keys/rsa/${back}`, { alg: 'RSA-OAEP-256', value: wrapped });
      expect(
        Buffer.from((JSON.parse(res.body!) as { value: string }).value, 'base64url').equals(dataKey),
      ).to.equal(true);
    });
  }
});
