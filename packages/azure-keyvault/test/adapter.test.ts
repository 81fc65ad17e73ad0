import { AzureKeyVaultKeyring, azureClientOptions, azureKeyVaultAdapter } from '@envelope/azure-keyvault';
import { ConfigError, type KeyringAdapterContext, type StandardSchema } from '@envelope/core';
import { expect } from 'chai';
import { KEY } from './fake-vault.js';

function context(emulatorClient?: () => Record<string, unknown>): KeyringAdapterContext {
  return {
    async validate<T>(schema: StandardSchema<T>, value: unknown): Promise<T> {
      const result = await schema['~standard'].validate(value);
      if (result.issues) throw new ConfigError(result.issues.map((i) => i.message).join('; '));
      return result.value;
    },
    resolveKeyring: () => Promise.reject(new Error('unused')),
    readSecret: () => Promise.reject(new Error('unused')),
    emulator: emulatorClient ? { url: undefined, engine: {} } : undefined,
    emulatorClient: emulatorClient?.(),
    path: ['keyring'],
  };
}

describe('azure-keyvault config adapter', () => {
  it('builds the keyring with the emulator switch’s credential and client options', async () => {
    const asked: string[] = [];
    const keyring = await azureKeyVaultAdapter.create(
      { type: 'azure-keyvault', keyId: KEY, algorithm: 'RSA-OAEP', timeoutMs: 2000 },
      context(() => {
        asked.push('azure-keyvault');
        return { ...azureClientOptions({ endpoint: 'https://localhost:8443' }) };
      }),
    );
    expect(keyring).to.be.instanceOf(AzureKeyVaultKeyring);
    expect(keyring.description).to.equal(`azure-kv(${KEY})`);
    expect(asked).to.deep.equal(['azure-keyvault']);
  });

  it('rejects a key id that is not a Key Vault key id, and unknown options', async () => {
    for (const options of [
      { type: 'azure-keyvault', keyId: 'orders' },
      { type: 'azure-keyvault', keyId: KEY, algorithm: 'RSA1_5' },
      { type: 'azure-keyvault', keyId: KEY, region: 'westeurope' },
    ]) {
      const error = await azureKeyVaultAdapter
        .create(
          options,
          context(() => azureClientOptions({ endpoint: 'https://localhost:8443' }) as never),
        )
        .catch((e: Error) => e);
      expect(error, JSON.stringify(options)).to.be.instanceOf(ConfigError);
    }
  });

  it('without the emulator, asks for @azure/identity by name when it is not installed', async () => {
    const error = await azureKeyVaultAdapter
      .create({ type: 'azure-keyvault', keyId: KEY }, context())
      .catch((e: Error) => e);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.match(/needs @azure\/identity.*npm i @azure\/identity/);
  });
});
