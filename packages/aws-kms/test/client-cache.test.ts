import { randomBytes } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { AwsKmsDiscoveryKeyring, cachingClientSupplier } from '@envelope/aws-kms';
import { decrypt, encrypt, type Keyring, RawAesKeyring } from '@envelope/core';
import { expect } from 'chai';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' };

describe('client cache for untrusted regions', () => {
  it('keeps at most maxClients clients, dropping the least recently used', () => {
    const supplier = cachingClientSupplier({ credentials: CREDENTIALS }, { maxClients: 4 });
    const first = supplier('us-east-1');
    expect(supplier('us-east-1')).to.equal(first);
    const made = Array.from({ length: 32 }, (_, i) => supplier(`zz-fake-${i}`));
    expect(supplier('us-east-1')).to.not.equal(first); // dropped, made again
    expect(supplier('zz-fake-31')).to.equal(made[31]); // recent ones are kept
    expect(supplier('zz-fake-0')).to.not.equal(made[0]);
  });

  it('defaults to a bound of 16 clients', () => {
    const supplier = cachingClientSupplier({ credentials: CREDENTIALS });
    const first = supplier('zz-fake-0');
    for (let i = 1; i <= 16; i++) supplier(`zz-fake-${i}`);
    expect(supplier('zz-fake-0')).to.not.equal(first);
  });

  it('asks for no client for EDKs the discovery filter excludes, whatever regions they name', async () => {
    // A message whose EDKs name 32 made-up regions of an account outside the filter.
    const edks = Array.from({ length: 32 }, (_, i) => ({
      providerId: 'aws-kms',
      providerInfo: Buffer.from(
        `arn:aws:kms:zz-fake-${i}:999999999999:key/${randomBytes(16).toString('hex')}`,
      ),
      ciphertext: randomBytes(64),
    }));
    const fakeKms: Keyring = {
      description: 'raw AES plus made-up AWS KMS EDKs',
      async onEncrypt(materials) {
        const key = new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: randomBytes(32) });
        const out = await key.onEncrypt(materials);
        for (const edk of edks) out.addEncryptedDataKey(edk);
        return out;
      },
      onDecrypt: async (materials) => materials,
    };
    const { ciphertext } = await encrypt('x', { keyring: fakeKms });
    const asked: (string | undefined)[] = [];
    const keyring = new AwsKmsDiscoveryKeyring({
      clientSupplier: (region) => {
        asked.push(region);
        return {} as KMSClient;
      },
      discoveryFilter: { partition: 'aws', accountIds: ['111122223333'] },
    });
    await decrypt(ciphertext, { keyring }).catch(() => {});
    expect(asked).to.deep.equal([]);
  });
});
