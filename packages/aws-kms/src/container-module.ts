import { type EmulatorTarget, KEYRING_ADAPTER, type KeyringAdapter } from '@envelope/core';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { AwsKmsDiscoveryKeyring } from './aws-kms-discovery-keyring.js';
import { AwsKmsKeyring } from './aws-kms-keyring.js';
import { cachingClientSupplier } from './client-supplier.js';

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

function clients(
  o: { region?: string | undefined; endpoint?: string | undefined },
  emulator: EmulatorTarget | undefined,
) {
  return cachingClientSupplier({
    ...(o.region ? { region: o.region } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...emulator?.clientOverrides('aws-kms'),
  });
}

export const awsKmsAdapter: KeyringAdapter = {
  type: 'aws-kms',
  description: 'AWS KMS keys: a generator (GenerateDataKey) and further keys (Encrypt); MRK aware',
  async create(options, context) {
    const o = await context.validate(strictOptions, options);
    return new AwsKmsKeyring({
      ...(o.generator ? { generatorKeyId: o.generator } : {}),
      keyIds: o.keyIds,
      clientSupplier: clients(o, context.emulator),
      ...(o.grantTokens ? { grantTokens: o.grantTokens } : {}),
      ...retry(o),
    });
  },
};

export const awsKmsDiscoveryAdapter: KeyringAdapter = {
  type: 'aws-kms-discovery',
  description: 'decrypts with any AWS KMS key the caller may use, filtered by partition and accounts',
  async create(options, context) {
    const o = await context.validate(discoveryOptions, options);
    return new AwsKmsDiscoveryKeyring({
      clientSupplier: clients(o, context.emulator),
      ...(o.discoveryFilter ? { discoveryFilter: o.discoveryFilter } : {}),
      ...(o.region ? { region: o.region } : {}),
      ...(o.grantTokens ? { grantTokens: o.grantTokens } : {}),
      ...retry(o),
    });
  },
};

/** Registers the `aws-kms` and `aws-kms-discovery` keyring types. */
export const awsKmsModule = new ContainerModule((options) => {
  options.bind<KeyringAdapter>(KEYRING_ADAPTER).toConstantValue(awsKmsAdapter);
  options.bind<KeyringAdapter>(KEYRING_ADAPTER).toConstantValue(awsKmsDiscoveryAdapter);
});
