import { AzureKeyVaultService, GcpKmsService, type KmsEngine } from '@envelope/kms-emulator';
import type { KmsServer, KmsServerOptions } from '@envelope/kms-server';

export const CLOUDS = ['aws', 'gcp', 'azure'] as const;
export type Cloud = (typeof CLOUDS)[number];

/** Where a test's keys live in each cloud: AWS region, Cloud KMS location, Key Vault vault name. */
export interface CloudPlaces {
  readonly region: string;
  /** `projects/<p>/locations/<l>`. */
  readonly location: string;
  readonly vault: string;
  /** Cloud KMS key ring id; default `dr`. */
  readonly keyRing?: string;
}

/**
 * An in-memory `envelope kms serve`-style server in this process with all three faces: AWS JSON,
 * Cloud KMS over REST and gRPC, Key Vault over HTTPS serving `vault`. `options` adds or overrides.
 */
export async function startThreeCloudServer(
  vault: string,
  options: Omit<KmsServerOptions, 'azure'> = {},
): Promise<KmsServer> {
  const { createKmsServer } = await import('@envelope/kms-server');
  return createKmsServer({
    inMemory: true,
    port: 0,
    gcp: { grpcPort: 0, restPort: 0 },
    azure: { port: 0, vaults: [vault] },
    ...options,
  });
}

/**
 * One master key per cloud, as the keyrings name them, with what the tests do to them: take a
 * cloud down, count the unwraps each cloud served, write the multi-keyring config that uses them.
 */
export class ThreeCloudKeys {
  private constructor(
    /** Read at each use: the shared emulator's engine changes on reset. */
    private readonly engine: () => KmsEngine,
    readonly places: CloudPlaces,
    readonly awsKeyArn: string,
    /** `<location>/keyRings/<ring>/cryptoKeys/data`. */
    readonly gcpKey: string,
    /** `https://<vault>.vault.localhost/keys/data` (unversioned). */
    readonly azureKey: string,
  ) {}

  /**
   * Makes a key in each cloud through the engine's services (no SDK round trip): an AWS KMS key in
   * `region`, the Cloud KMS key ring and its `data` key, and (unless `azure: false`) an RSA 2048
   * Key Vault key `data`.
   */
  static async create(
    engine: () => KmsEngine,
    places: CloudPlaces,
    options: { azure?: boolean } = {},
  ): Promise<ThreeCloudKeys> {
    const current = engine();
    const created = (await current.execute('CreateKey', {}, current.context(places.region))) as {
      KeyMetadata: { Arn: string };
    };
    const keyRingId = places.keyRing ?? 'dr';
    const ring = `${places.location}/keyRings/${keyRingId}`;
    const gcp = new GcpKmsService(current.core);
    await gcp.invoke('CreateKeyRing', { parent: places.location, keyRingId, keyRing: {} });
    await gcp.invoke('CreateCryptoKey', {
      parent: ring,
      cryptoKeyId: 'data',
      cryptoKey: { purpose: 'ENCRYPT_DECRYPT' },
    });
    const vaultUrl = `https://${places.vault}.vault.localhost`;
    if (options.azure !== false) {
      await new AzureKeyVaultService(current.core).invoke(
        'createKey',
        { name: 'data', body: { kty: 'RSA', key_size: 2048 } },
        { vault: places.vault, vaultUrl, principal: 'test', requestId: 'seed' },
      );
    }
    const gcpKey = `${ring}/cryptoKeys/data`;
    return new ThreeCloudKeys(engine, places, created.KeyMetadata.Arn, gcpKey, `${vaultUrl}/keys/data`);
  }

  /** Takes one cloud's place down (a connection-level outage) until the handle is removed. */
  down(cloud: Cloud): { remove(): void } {
    const where = { aws: this.places.region, gcp: this.places.location, azure: this.places.vault }[cloud];
    return this.engine().core.faults.down(cloud, where);
  }

  /** Every cloud but `survivor` down; the handles to remove. */
  allDownBut(survivor?: Cloud): { remove(): void }[] {
    return CLOUDS.filter((cloud) => cloud !== survivor).map((cloud) => this.down(cloud));
  }

  /** Successful unwraps each cloud's own log records (AWS audit, Cloud KMS audit, Key Vault diagnostics). */
  served(): Record<Cloud, number> {
    const engine = this.engine();
    return {
      aws: engine.auditLog({}).filter((e) => e.eventName === 'Decrypt' && !e.errorCode).length,
      gcp: new GcpKmsService(engine.core)
        .auditLog()
        .filter(
          (e) => String(e.protoPayload?.methodName ?? '').endsWith('.Decrypt') && !e.protoPayload?.status,
        ).length,
      azure: new AzureKeyVaultService(engine.core)
        .diagnosticLog()
        .filter((e) => e.operationName === 'KeyUnwrap' && e.resultType === 'Success').length,
    };
  }

  /**
   * envelope.yaml for a multi-keyring: the AWS key as generator, then the Cloud KMS and Key Vault
   * keys (`clouds` picks which), one attempt each with a 5 s timeout. `emulator` is the switch's
   * value (`true`, or `{ url: … }`).
   */
  config(emulator: string, options: { minimumWraps?: number; clouds?: readonly Cloud[] } = {}): string {
    const clouds = options.clouds ?? CLOUDS;
    const children = [
      ...(clouds.includes('gcp') ? [`{ type: gcp-kms, generator: "${this.gcpKey}", ${ONE_TRY} }`] : []),
      ...(clouds.includes('azure')
        ? [`{ type: azure-keyvault, keyId: "${this.azureKey}", ${ONE_TRY} }`]
        : []),
    ];
    return [
      `emulator: ${emulator}`,
      'keyring:',
      '  type: multi',
      ...(options.minimumWraps === undefined ? [] : [`  minimumWraps: ${options.minimumWraps}`]),
      `  generator: { type: aws-kms, generator: "${this.awsKeyArn}", ${ONE_TRY} }`,
      '  children:',
      ...children.map((child) => `    - ${child}`),
      '',
    ].join('\n');
  }
}

const ONE_TRY = 'maxAttempts: 1, timeoutMs: 5000';
