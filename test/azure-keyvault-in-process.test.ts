import { KeyClient } from '@azure/keyvault-keys';
import { AzureInProcessHttpClient } from '@envelope/kms-protocols';
import { expect } from 'chai';
import {
  type AzureTarget,
  emulatorCredential,
  expectRestError,
  keyVaultSuite,
  newAzureService,
} from './azure-keyvault-suite.js';

describe('Azure Key Vault in-process: official KeyClient and CryptographyClient through AzureInProcessHttpClient', () => {
  let target: AzureTarget;
  beforeEach(() => {
    const service = newAzureService();
    target = {
      service,
      vaultUrl: 'https://myvault.vault.localhost',
      credential: emulatorCredential(),
      // Challenge-resource verification stays on (the SDK default).
      options: { httpClient: new AzureInProcessHttpClient(service), retryOptions: { maxRetries: 0 } },
    };
  });

  keyVaultSuite(() => target);

  it('keeps vaults apart by host name', async () => {
    const a = new KeyClient('https://vault-a.vault.localhost', target.credential, target.options);
    const b = new KeyClient('https://vault-b.vault.localhost', target.credential, target.options);
    await a.createEcKey('only-in-a');
    await expectRestError(b.getKey('only-in-a'), 404, 'KeyNotFound');
  });

  it('fails with ECONNREFUSED while the vault is down', async () => {
    const keys = new KeyClient(target.vaultUrl, target.credential, target.options);
    const handle = target.service.core.faults.down('azure', 'myvault');
    try {
      const error = await keys.getKey('any').catch((e: unknown) => e as { code?: string });
      expect(error).to.include({ code: 'ECONNREFUSED' });
    } finally {
      handle.remove();
    }
    expect(target.service.core.auditLog()).to.deep.equal([]);
  });

  it('refuses a token for another audience with 401 Unauthorized', async () => {
    const wrongAudience = {
      async getToken() {
        const { createAzureEmulatorToken } = await import('@envelope/kms-protocols');
        const { token, expiresOn } = createAzureEmulatorToken({
          audience: 'https://vault.azure.net',
          oid: 'x',
        });
        return { token, expiresOnTimestamp: expiresOn * 1000 };
      },
    };
    const keys = new KeyClient(target.vaultUrl, wrongAudience, target.options);
    const error = await expectRestError(keys.getKey('any'), 401, 'Unauthorized');
    expect(error.message).to.contain('Invalid audience');
  });

  it('refuses an expired token with 401 Unauthorized', async () => {
    const keys = new KeyClient(target.vaultUrl, emulatorCredential('oid', -60), target.options);
    const error = await expectRestError(keys.getKey('any'), 401, 'Unauthorized');
    expect(error.message).to.contain('expired');
  });
});
