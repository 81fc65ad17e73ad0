import type { TokenCredential } from '@azure/core-auth';
import type { CryptographyClientOptions } from '@azure/keyvault-keys';
import {
  ConfigError,
  KEYRING_ADAPTER,
  type KeyringAdapter,
  type KeyringPackage,
  loadOptionalModule,
} from '@envelope/core';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { AzureKeyVaultKeyring } from './azure-keyvault-keyring.js';
import { azureEmulatorClient } from './emulator-client.js';
import { parseAzureKeyId } from './key-id.js';

const options = z
  .object({
    type: z.literal('azure-keyvault'),
    /** `https://<vault>.vault.azure.net/keys/<name>[/<version>]`. */
    keyId: z.string().refine((id) => parseAzureKeyId(id) !== undefined, {
      message: 'expected https://<vault>.vault.azure.net/keys/<name>[/<version>]',
    }),
    algorithm: z.enum(['RSA-OAEP-256', 'RSA-OAEP', 'A256KW']).optional(),
    maxAttempts: z.number().int().min(1).max(20).optional(),
    /** Longest time one Key Vault call may take, retries included (a vault that hangs fails over). */
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
  })
  .strict();

/** `@azure/identity` is the caller's choice of dependency: loaded only when no emulator is set. */
async function defaultAzureCredential(): Promise<TokenCredential> {
  const name = '@azure/identity';
  try {
    const identity = await loadOptionalModule<{ DefaultAzureCredential: new () => TokenCredential }>({
      require: () => require(name),
      import: () => import(name),
    });
    return new identity.DefaultAzureCredential();
  } catch (error) {
    throw new ConfigError(
      `The azure-keyvault keyring needs @azure/identity for its credential: install it (npm i @azure/identity), or turn the emulator on. (${(error as Error).message})`,
    );
  }
}

export const azureKeyVaultAdapter: KeyringAdapter = {
  type: 'azure-keyvault',
  schema: options,
  description: 'an Azure Key Vault key: wrapKey / unwrapKey (RSA-OAEP-256, RSA-OAEP, A256KW), versioned ids',
  async create(raw, context) {
    const o = await context.validate(options, raw);
    // The emulator hook hands over { credential, clientOptions } (see azureEmulatorClient).
    const overrides = (context.emulatorClient ?? {}) as {
      credential?: TokenCredential;
      clientOptions?: CryptographyClientOptions;
    };
    if (context.emulator && !overrides.credential) {
      throw new ConfigError(
        `${context.path.join('.') || 'keyring'}: the emulator switch is on, but its server serves no Key Vault face or could not be asked where it listens (GET /_envelope/endpoints); start it with --azure-port, or turn the switch off.`,
      );
    }
    const credential = overrides.credential ?? (await defaultAzureCredential());
    const retry =
      o.maxAttempts === undefined && o.timeoutMs === undefined
        ? {}
        : {
            retry: {
              ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
              ...(o.timeoutMs ? { totalTimeoutMs: o.timeoutMs } : {}),
            },
          };
    return new AzureKeyVaultKeyring({
      keyId: o.keyId,
      credential,
      ...(o.algorithm ? { algorithm: o.algorithm } : {}),
      ...(overrides.clientOptions ? { clientOptions: overrides.clientOptions } : {}),
      ...retry,
    });
  },
};

/** Registers the `azure-keyvault` keyring type. */
export const azureKeyVaultModule = new ContainerModule((registry) => {
  registry.bind<KeyringAdapter>(KEYRING_ADAPTER).toConstantValue(azureKeyVaultAdapter);
});

/** What `@envelope/config` loads for the `azure-keyvault` type. */
export const keyringPackage: KeyringPackage = {
  name: '@envelope/azure-keyvault',
  types: ['azure-keyvault'],
  containerModule: azureKeyVaultModule,
  emulatorClient: azureEmulatorClient,
};
