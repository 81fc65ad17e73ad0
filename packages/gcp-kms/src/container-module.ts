import {
  ConfigError,
  KEYRING_ADAPTER,
  type KeyringAdapter,
  type KeyringAdapterContext,
  type KeyringPackage,
} from '@envelope/core';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { gcpClientSupplier } from './client-cache.js';
import { gcpEmulatorClient } from './emulator-client.js';
import { GcpKmsDiscoveryKeyring } from './gcp-kms-discovery-keyring.js';
import { GcpKmsKeyring } from './gcp-kms-keyring.js';
import type { GcpClientSupplier, GcpKmsClient } from './kms-port.js';
import { parseCryptoKeyName } from './resource-names.js';

const cryptoKeyName = z.string().refine((v) => parseCryptoKeyName(v) !== undefined, {
  message:
    'expected a CryptoKey name projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>',
});

const common = {
  /** Another Cloud KMS endpoint host (regional, Private Service Connect). */
  endpoint: z.string().min(1).optional(),
  /** grpc (default) or rest (HTTP/1 JSON, for networks that block HTTP/2). */
  transport: z.enum(['grpc', 'rest']).optional(),
  /** A service-account key file; default: Application Default Credentials. */
  keyFilename: z.string().min(1).optional(),
  maxAttempts: z.number().int().min(1).max(20).optional(),
  /** Longest time one Cloud KMS call may take, retries included (a location that is down fails over). */
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
};

const strictOptions = z
  .object({
    type: z.literal('gcp-kms'),
    generator: cryptoKeyName.optional(),
    keyNames: z.array(cryptoKeyName).default([]),
    ...common,
  })
  .strict()
  .refine((o) => o.generator !== undefined || o.keyNames.length > 0, 'needs a generator, keyNames or both');

const discoveryOptions = z
  .object({
    type: z.literal('gcp-kms-discovery'),
    discoveryFilter: z
      .object({
        projects: z.array(z.string().min(1)).min(1),
        locations: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .optional(),
    ...common,
  })
  .strict();

type Common = { [K in keyof typeof common]?: z.infer<(typeof common)[K]> };

function retry(o: Common) {
  if (o.maxAttempts === undefined && o.timeoutMs === undefined) return {};
  return {
    retry: {
      ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
      ...(o.timeoutMs ? { totalTimeoutMs: o.timeoutMs } : {}),
    },
  };
}

/**
 * The clients for a config entry. With the emulator switch on, the emulator's settings for backend
 * `gcp-kms` (which the config package builds with `gcpClientOptions`, or an in-process client)
 * replace the endpoint; a switch that gives none is an error, never a silent call to Google.
 */
function clients(o: Common, context: KeyringAdapterContext): GcpClientSupplier {
  const path = context.path;
  if (context.emulator) {
    const overrides = (context.emulatorClient ?? {}) as {
      client?: GcpKmsClient;
      endpoint?: string;
      transport?: 'grpc' | 'rest';
    };
    if (overrides.client) {
      const client = overrides.client;
      return () => client;
    }
    if (!overrides.endpoint) {
      throw new ConfigError(
        `${path.join('.') || 'keyring'}: the emulator switch is on, but its server serves no Cloud KMS face or could not be asked where it listens (GET /_envelope/endpoints); start it with --gcp-grpc-port or --gcp-rest-port, or turn the switch off.`,
      );
    }
    return gcpClientSupplier({
      emulator: true,
      endpoint: overrides.endpoint,
      ...(overrides.transport
        ? { transport: overrides.transport }
        : o.transport
          ? { transport: o.transport }
          : {}),
    });
  }
  return gcpClientSupplier({
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.transport ? { transport: o.transport } : {}),
    ...(o.keyFilename ? { keyFilename: o.keyFilename } : {}),
  });
}

export const gcpKmsAdapter: KeyringAdapter = {
  type: 'gcp-kms',
  schema: strictOptions,
  description: 'Google Cloud KMS CryptoKeys: a generator and further keys (Encrypt), CRC32C-checked',
  async create(options, context) {
    const o = await context.validate(strictOptions, options);
    return new GcpKmsKeyring({
      ...(o.generator ? { generatorKeyName: o.generator } : {}),
      keyNames: o.keyNames,
      clientSupplier: clients(o, context),
      ...retry(o),
    });
  },
};

export const gcpKmsDiscoveryAdapter: KeyringAdapter = {
  type: 'gcp-kms-discovery',
  schema: discoveryOptions,
  description:
    'decrypts with any Cloud KMS key the caller may use, filtered by project and location patterns',
  async create(options, context) {
    const o = await context.validate(discoveryOptions, options);
    return new GcpKmsDiscoveryKeyring({
      clientSupplier: clients(o, context),
      ...(o.discoveryFilter ? { discoveryFilter: o.discoveryFilter } : {}),
      ...retry(o),
    });
  },
};

/** Registers the `gcp-kms` and `gcp-kms-discovery` keyring types. */
export const gcpKmsModule = new ContainerModule((options) => {
  for (const adapter of [gcpKmsAdapter, gcpKmsDiscoveryAdapter]) {
    options.bind<KeyringAdapter>(KEYRING_ADAPTER).toConstantValue(adapter);
  }
});

/** What `@envelope/config` loads for the `gcp-kms` and `gcp-kms-discovery` types. */
export const keyringPackage: KeyringPackage = {
  name: '@envelope/gcp-kms',
  types: ['gcp-kms', 'gcp-kms-discovery'],
  containerModule: gcpKmsModule,
  emulatorClient: gcpEmulatorClient,
};
