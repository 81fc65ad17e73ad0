import { KEYRING_ADAPTER, type KeyringAdapter, type KeyringAdapterContext } from '@envelope/core';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { AwsKmsDiscoveryKeyring } from './aws-kms-discovery-keyring.js';
import { AwsKmsEcdhKeyring } from './aws-kms-ecdh-keyring.js';
import { AwsKmsKeyring } from './aws-kms-keyring.js';
import { AwsKmsRsaKeyring } from './aws-kms-rsa-keyring.js';
import { cachingClientSupplier } from './client-supplier.js';
import { emulatorClientSettings } from './emulator-client.js';
import { emulatorKeyringAdapter } from './emulator-keyring.js';

const common = {
  /** Default region for key ids that are not ARNs (aliases, bare key ids). */
  region: z.string().min(1).optional(),
  /** A KMS endpoint other than AWS's, e.g. a VPC endpoint. */
  endpoint: z.url().optional(),
  grantTokens: z.array(z.string()).optional(),
  maxAttempts: z.number().int().min(1).max(20).optional(),
  /** Longest time one KMS call may take, retries included (a region that hangs fails over). */
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
};

function retry(o: { maxAttempts?: number | undefined; timeoutMs?: number | undefined }) {
  if (o.maxAttempts === undefined && o.timeoutMs === undefined) return {};
  return {
    retry: {
      ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
      ...(o.timeoutMs ? { totalTimeoutMs: o.timeoutMs } : {}),
    },
  };
}

const strictOptions = z
  .object({
    type: z.literal('aws-kms'),
    generator: z.string().min(1).optional(),
    keyIds: z.array(z.string().min(1)).default([]),
    ...common,
  })
  .strict()
  .refine((o) => o.generator !== undefined || o.keyIds.length > 0, 'needs a generator, keyIds or both');

const discoveryOptions = z
  .object({
    type: z.literal('aws-kms-discovery'),
    discoveryFilter: z
      .object({ partition: z.string().min(1), accountIds: z.array(z.string().regex(/^\d{12}$/)).min(1) })
      .strict()
      .optional(),
    ...common,
  })
  .strict();

const rsaOptions = z
  .object({
    type: z.literal('aws-kms-rsa'),
    keyId: z.string().min(1),
    encryptionAlgorithm: z.enum(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']),
    /** The key's public key (PEM or DER) from { file } or { env }; fetched with GetPublicKey if left out. */
    publicKey: z.unknown().optional(),
    ...common,
  })
  .strict();

const ecdhCommon = {
  type: z.literal('aws-kms-ecdh'),
  curveSpec: z.enum(['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521']),
};
const ecdhOptions = z.discriminatedUnion('keyAgreementScheme', [
  z
    .object({
      ...ecdhCommon,
      keyAgreementScheme: z.literal('KmsPrivateKeyToStaticPublicKey'),
      senderKmsIdentifier: z.string().min(1),
      senderPublicKey: z.unknown().optional(),
      recipientPublicKey: z.unknown(),
      ...common,
    })
    .strict(),
  z
    .object({
      ...ecdhCommon,
      keyAgreementScheme: z.literal('KmsPublicKeyDiscovery'),
      recipientKmsIdentifier: z.string().min(1),
      recipientPublicKey: z.unknown().optional(),
      ...common,
    })
    .strict(),
]);

function clients(
  o: { region?: string | undefined; endpoint?: string | undefined },
  context: KeyringAdapterContext,
) {
  return cachingClientSupplier({
    ...(o.region ? { region: o.region } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...emulatorClientSettings(context),
  });
}

export const awsKmsAdapter: KeyringAdapter<z.output<typeof strictOptions>> = {
  type: 'aws-kms',
  description: 'AWS KMS keys: a generator (GenerateDataKey) and further keys (Encrypt); MRK aware',
  schema: strictOptions,
  async create(o, context) {
    return new AwsKmsKeyring({
      ...(o.generator ? { generatorKeyId: o.generator } : {}),
      keyIds: o.keyIds,
      clientSupplier: clients(o, context),
      ...(o.grantTokens ? { grantTokens: o.grantTokens } : {}),
      ...retry(o),
    });
  },
};

export const awsKmsDiscoveryAdapter: KeyringAdapter<z.output<typeof discoveryOptions>> = {
  type: 'aws-kms-discovery',
  description: 'decrypts with any AWS KMS key the caller may use, filtered by partition and accounts',
  schema: discoveryOptions,
  async create(o, context) {
    return new AwsKmsDiscoveryKeyring({
      clientSupplier: clients(o, context),
      ...(o.discoveryFilter ? { discoveryFilter: o.discoveryFilter } : {}),
      ...(o.region ? { region: o.region } : {}),
      ...(o.grantTokens ? { grantTokens: o.grantTokens } : {}),
      ...retry(o),
    });
  },
};

export const awsKmsRsaAdapter: KeyringAdapter<z.output<typeof rsaOptions>> = {
  type: 'aws-kms-rsa',
  description: 'an AWS KMS RSA key: wraps locally with its public key, unwraps with KMS Decrypt',
  schema: rsaOptions,
  async create(o, context) {
    const publicKey =
      o.publicKey === undefined
        ? undefined
        : await context.readSecret(o.publicKey, [...context.path, 'publicKey']);
    return new AwsKmsRsaKeyring({
      keyId: o.keyId,
      encryptionAlgorithm: o.encryptionAlgorithm,
      ...(publicKey ? { publicKey } : {}),
      clientSupplier: clients(o, context),
      ...(o.grantTokens ? { grantTokens: o.grantTokens } : {}),
      ...(o.maxAttempts ? { retry: { maxAttempts: o.maxAttempts } } : {}),
    });
  },
};

export const awsKmsEcdhAdapter: KeyringAdapter<z.output<typeof ecdhOptions>> = {
  type: 'aws-kms-ecdh',
  description: 'ECDH with an AWS KMS KEY_AGREEMENT key (DeriveSharedSecret) and a peer public key',
  schema: ecdhOptions,
  async create(o, context) {
    const read = async (source: unknown, name: string) =>
      source === undefined ? undefined : context.readSecret(source, [...context.path, name]);
    const shared = {
      curveSpec: o.curveSpec,
      clientSupplier: clients(o, context),
      ...(o.grantTokens ? { grantTokens: o.grantTokens } : {}),
      ...(o.maxAttempts ? { retry: { maxAttempts: o.maxAttempts } } : {}),
    };
    if (o.keyAgreementScheme === 'KmsPublicKeyDiscovery') {
      const recipientPublicKey = await read(o.recipientPublicKey, 'recipientPublicKey');
      return new AwsKmsEcdhKeyring({
        ...shared,
        keyAgreementScheme: o.keyAgreementScheme,
        recipientKmsIdentifier: o.recipientKmsIdentifier,
        ...(recipientPublicKey ? { recipientPublicKey } : {}),
      });
    }
    const senderPublicKey = await read(o.senderPublicKey, 'senderPublicKey');
    return new AwsKmsEcdhKeyring({
      ...shared,
      keyAgreementScheme: o.keyAgreementScheme,
      senderKmsIdentifier: o.senderKmsIdentifier,
      ...(senderPublicKey ? { senderPublicKey } : {}),
      recipientPublicKey: (await read(o.recipientPublicKey, 'recipientPublicKey')) as Buffer,
    });
  },
};

const adapters: readonly KeyringAdapter[] = [
  awsKmsAdapter,
  awsKmsDiscoveryAdapter,
  awsKmsRsaAdapter,
  awsKmsEcdhAdapter,
  emulatorKeyringAdapter,
];

/** The keyring types this package registers. */
export const AWS_KMS_KEYRING_TYPES: readonly string[] = adapters.map((adapter) => adapter.type);

/**
 * Registers the `aws-kms`, `aws-kms-discovery`, `aws-kms-rsa`, `aws-kms-ecdh` and `emulator`
 * keyring types (the last one a key that lives only in the emulator).
 */
export const awsKmsModule = new ContainerModule((options) => {
  for (const adapter of adapters) options.bind<KeyringAdapter>(KEYRING_ADAPTER).toConstantValue(adapter);
});
