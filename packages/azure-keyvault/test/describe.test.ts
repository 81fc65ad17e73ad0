import { describeAzureKeyVaultKey, MALFORMED_AZURE_KEY_LOCATION } from '@envelope/azure-keyvault/describe';
import { expect } from 'chai';

const ID = 'https://contoso.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef';
const edk = (info: string | Buffer) => ({
  providerId: 'azure-kv',
  providerInfo: typeof info === 'string' ? Buffer.from(info, 'utf8') : info,
});

describe('describeAzureKeyVaultKey (envelope inspect): malformed provider info', () => {
  it('describes provider info that is not a key id as cloud azure, showing the value, never throwing', () => {
    const cases: [string | Buffer, string][] = [
      ['', ''],
      ['not a key id', 'not a key id'],
      ['http://contoso.vault.azure.net/keys/k', 'http://contoso.vault.azure.net/keys/k'],
      ['https://contoso.vault.azure.net/secrets/k', 'https://contoso.vault.azure.net/secrets/k'],
      // The URL parser drops tabs and newlines: such text must not pass for the id it resembles.
      [`${ID}\n`, `hex:${Buffer.from(`${ID}\n`).toString('hex')}`],
      [
        `https://contoso.vault.azure.net/ke\tys/k`,
        `hex:${Buffer.from('https://contoso.vault.azure.net/ke\tys/k').toString('hex')}`,
      ],
      [`${ID}\u001b[2J`, `hex:${Buffer.from(`${ID}\u001b[2J`).toString('hex')}`],
      [Buffer.from([0xff, 0x00, 0x1b]), 'hex:ff001b'],
    ];
    for (const [info, key] of cases) {
      expect(describeAzureKeyVaultKey(edk(info)), JSON.stringify(info)).to.deep.equal({
        provider: 'azure-kv',
        cloud: 'azure',
        location: MALFORMED_AZURE_KEY_LOCATION,
        key,
      });
    }
  });

  it('shows at most 256 bytes of a long malformed value, with its length', () => {
    const described = describeAzureKeyVaultKey(edk('x'.repeat(65_535)));
    expect(described?.location).to.equal(MALFORMED_AZURE_KEY_LOCATION);
    expect(described?.key).to.equal(`${'x'.repeat(256)}… (65535 bytes)`);
  });

  it('still describes a well-formed key id by its vault host', () => {
    expect(describeAzureKeyVaultKey(edk(ID))?.location).to.equal('contoso.vault.azure.net');
  });
});
