import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  ConfigError,
  type DecryptionMaterials,
  type EncryptedDataKey,
  type EncryptionMaterials,
  formatIssuePath,
  type Keyring,
  type KeyringAdapter,
} from '@envelope/core';
import { z } from 'zod';
import { AwsKmsKeyring } from './aws-kms-keyring.js';
import { cachingClientSupplier } from './client-supplier.js';
import { emulatorClientSettings } from './emulator-client.js';

/** Provider id of EDKs made by the emulator keyring: readable only with the emulator. */
export const EMULATOR_PROVIDER_ID = 'envelope-emulator';

const emulatorOptions = z
  .object({
    type: z.literal('emulator'),
    /** `alias/name` (created in the emulator on first use if missing), a key id or a key ARN. */
    key: z.string().min(1),
    region: z.string().min(1).default('us-east-1'),
  })
  .strict();

/**
 * A keyring that lives only in the emulator: handy for tests and local development with no key
 * set-up, since an `alias/…` key is created on first use. Its EDKs carry the provider id
 * `envelope-emulator`, so they are never mistaken for real AWS KMS keys.
 */
class EmulatorKeyring implements Keyring {
  readonly description: string;
  #inner: Promise<AwsKmsKeyring> | undefined;

  constructor(
    private readonly key: string,
    private readonly region: string,
    private readonly clientConfig: Readonly<Record<string, unknown>>,
  ) {
    this.description = `emulator(${key} in ${region})`;
  }

  async onEncrypt(materials: EncryptionMaterials) {
    return (await this.#keyring()).onEncrypt(materials);
  }

  async onDecrypt(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]) {
    return (await this.#keyring()).onDecrypt(materials, edks);
  }

  #keyring(): Promise<AwsKmsKeyring> {
    this.#inner ??= this.#resolveKey().then(
      (arn) =>
        new AwsKmsKeyring({
          generatorKeyId: arn,
          providerId: EMULATOR_PROVIDER_ID,
          clientSupplier: cachingClientSupplier({ ...this.clientConfig, region: this.region }),
        }),
    );
    this.#inner.catch(() => (this.#inner = undefined));
    return this.#inner;
  }

  async #resolveKey(): Promise<string> {
    const kms = new KMSClient({ ...this.clientConfig, region: this.region });
    try {
      return (await kms.send(new DescribeKeyCommand({ KeyId: this.key }))).KeyMetadata!.Arn!;
    } catch (error) {
      if ((error as Error).name !== 'NotFoundException' || !this.key.startsWith('alias/')) throw error;
      const arn = (
        await kms.send(new CreateKeyCommand({ Description: `envelope emulator keyring ${this.key}` }))
      ).KeyMetadata!.Arn!;
      await kms.send(new CreateAliasCommand({ AliasName: this.key, TargetKeyId: arn }));
      return arn;
    } finally {
      kms.destroy();
    }
  }
}

export const emulatorKeyringAdapter: KeyringAdapter<z.output<typeof emulatorOptions>> = {
  type: 'emulator',
  description:
    'a key in the KMS emulator (in-process or `envelope kms serve`); alias keys are created on first use',
  schema: emulatorOptions,
  async create(o, context) {
    if (!context.emulator) {
      throw new ConfigError(
        `${formatIssuePath(context.path)}: keyring type 'emulator' needs the emulator switch: add \`emulator: true\` (in-process) or \`emulator: { url: … }\` to the config.`,
      );
    }
    return new EmulatorKeyring(o.key, o.region, emulatorClientSettings(context));
  },
};
