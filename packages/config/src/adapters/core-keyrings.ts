import {
  KEYRING_ADAPTER,
  type KeyringAdapter,
  type KeyringAdapterContext,
  MultiKeyring,
  RawAesKeyring,
  RawEcdhKeyring,
  RawRsaKeyring,
} from '@envelope/core';
import { ContainerModule } from 'inversify';
import { z } from 'zod';

const rawIdentity = { keyNamespace: z.string().min(1), keyName: z.string().min(1) };

const rawAesOptions = z.object({ type: z.literal('raw-aes'), ...rawIdentity, key: z.unknown() }).strict();

const rawRsaOptions = z
  .object({
    type: z.literal('raw-rsa'),
    ...rawIdentity,
    padding: z.enum(['oaep-sha1', 'oaep-sha256', 'oaep-sha384', 'oaep-sha512', 'pkcs1']),
    publicKey: z.unknown().optional(),
    privateKey: z.unknown().optional(),
  })
  .strict()
  .refine(
    (o) => o.publicKey !== undefined || o.privateKey !== undefined,
    'needs publicKey, privateKey or both',
  );

const ecdhCurve = z.enum(['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521']);

const rawEcdhOptions = z.discriminatedUnion('keyAgreementScheme', [
  z
    .object({
      type: z.literal('raw-ecdh'),
      curveSpec: ecdhCurve,
      keyAgreementScheme: z.literal('RawPrivateKeyToStaticPublicKey'),
      senderStaticPrivateKey: z.unknown(),
      recipientPublicKey: z.unknown(),
    })
    .strict(),
  z
    .object({
      type: z.literal('raw-ecdh'),
      curveSpec: ecdhCurve,
      keyAgreementScheme: z.literal('EphemeralPrivateKeyToStaticPublicKey'),
      recipientPublicKey: z.unknown(),
    })
    .strict(),
  z
    .object({
      type: z.literal('raw-ecdh'),
      curveSpec: ecdhCurve,
      keyAgreementScheme: z.literal('PublicKeyDiscovery'),
      recipientStaticPrivateKey: z.unknown(),
    })
    .strict(),
]);

const multiOptions = z
  .object({
    type: z.literal('multi'),
    generator: z.unknown().optional(),
    children: z.array(z.unknown()).default([]),
    /** Writing during an outage: accept the message when at least this many master keys wrapped it. */
    minimumWraps: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((o) => o.generator !== undefined || o.children.length > 0, 'needs a generator, children or both');

export const rawAesAdapter: KeyringAdapter<z.output<typeof rawAesOptions>> = {
  type: 'raw-aes',
  description: 'AES-GCM wrapping key held by the application (from a file or environment variable)',
  schema: rawAesOptions,
  async create(o, context) {
    const key = await context.readSecret(o.key, [...context.path, 'key']);
    try {
      return new RawAesKeyring({ keyNamespace: o.keyNamespace, keyName: o.keyName, wrappingKey: key });
    } finally {
      key.fill(0);
    }
  },
};

export const rawRsaAdapter: KeyringAdapter<z.output<typeof rawRsaOptions>> = {
  type: 'raw-rsa',
  description: 'RSA key pair held by the application (PEM from files or environment variables)',
  schema: rawRsaOptions,
  async create(o, context) {
    const read = (source: unknown, name: string) =>
      source === undefined ? undefined : context.readSecret(source, [...context.path, name]);
    const publicKey = await read(o.publicKey, 'publicKey');
    const privateKey = await read(o.privateKey, 'privateKey');
    try {
      return new RawRsaKeyring({
        keyNamespace: o.keyNamespace,
        keyName: o.keyName,
        padding: o.padding,
        ...(publicKey ? { publicKey } : {}),
        ...(privateKey ? { privateKey } : {}),
      });
    } finally {
      privateKey?.fill(0);
    }
  },
};

export const rawEcdhAdapter: KeyringAdapter<z.output<typeof rawEcdhOptions>> = {
  type: 'raw-ecdh',
  description: 'ECDH key agreement with EC keys held by the application (PEM private, DER or PEM public)',
  schema: rawEcdhOptions,
  async create(o, context) {
    const read = (source: unknown, name: string) => context.readSecret(source, [...context.path, name]);
    switch (o.keyAgreementScheme) {
      case 'RawPrivateKeyToStaticPublicKey': {
        const senderStaticPrivateKey = await read(o.senderStaticPrivateKey, 'senderStaticPrivateKey');
        try {
          return new RawEcdhKeyring({
            ...o,
            senderStaticPrivateKey,
            recipientPublicKey: await read(o.recipientPublicKey, 'recipientPublicKey'),
          });
        } finally {
          senderStaticPrivateKey.fill(0);
        }
      }
      case 'EphemeralPrivateKeyToStaticPublicKey':
        return new RawEcdhKeyring({
          ...o,
          recipientPublicKey: await read(o.recipientPublicKey, 'recipientPublicKey'),
        });
      case 'PublicKeyDiscovery': {
        const recipientStaticPrivateKey = await read(
          o.recipientStaticPrivateKey,
          'recipientStaticPrivateKey',
        );
        try {
          return new RawEcdhKeyring({ ...o, recipientStaticPrivateKey });
        } finally {
          recipientStaticPrivateKey.fill(0);
        }
      }
    }
  },
};

export const multiAdapter: KeyringAdapter<z.output<typeof multiOptions>> = {
  type: 'multi',
  description: 'one data key wrapped by a generator and every child keyring; any one decrypts',
  schema: multiOptions,
  async create(o, context: KeyringAdapterContext) {
    const generator =
      o.generator === undefined
        ? undefined
        : await context.resolveKeyring(o.generator, [...context.path, 'generator']);
    const children = await Promise.all(
      o.children.map((child, i) => context.resolveKeyring(child, [...context.path, 'children', String(i)])),
    );
    return new MultiKeyring({
      ...(generator ? { generator } : {}),
      children,
      ...(o.minimumWraps === undefined ? {} : { minimumWraps: o.minimumWraps }),
    });
  },
};

/** Registers the keyrings `@envelope/core` ships: raw-aes, raw-rsa, raw-ecdh and multi. */
export const coreKeyringsModule = new ContainerModule((options) => {
  const adapters: readonly KeyringAdapter[] = [rawAesAdapter, rawRsaAdapter, rawEcdhAdapter, multiAdapter];
  for (const adapter of adapters) {
    options.bind<KeyringAdapter>(KEYRING_ADAPTER).toConstantValue(adapter);
  }
});
