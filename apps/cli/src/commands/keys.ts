import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
} from '@aws-sdk/client-kms';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { Reporter } from '../report.js';
import { DEFAULT_EMULATOR_URL, emulatorEndpoint } from './emulator-endpoint.js';
import { registerAzureKeysCommands } from './keys-azure.js';
import { registerGcpKeysCommands } from './keys-gcp.js';
import { importKeyMaterial, type KeysImportOptions } from './keys-import.js';

interface KeysOptions {
  endpoint?: string;
  region: string;
  json?: boolean;
}

/** Emulator credentials: accepted when the server does not verify signatures. */
const CREDENTIALS = { accessKeyId: 'ENVELOPEEMULATOR', secretAccessKey: 'envelope-emulator' };

function client(o: KeysOptions, region = o.region, aws = false): KMSClient {
  // Real AWS KMS: the SDK's default endpoint and credential chain.
  if (aws) return new KMSClient({ region });
  const endpoint = o.endpoint ?? emulatorEndpoint();
  if (!endpoint) {
    throw new CliError(
      'No emulator endpoint.',
      ExitCode.USAGE,
      `pass --endpoint ${DEFAULT_EMULATOR_URL} or set ENVELOPE_EMULATOR`,
    );
  }
  return new KMSClient({ region, endpoint, credentials: CREDENTIALS, maxAttempts: 2 });
}

/** `envelope keys …`: manage keys of a running emulator (`envelope kms serve`) with the AWS SDK. */
export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description(
      'create, list, describe, rotate and alias keys in a running emulator (AWS; `keys gcp` for Cloud KMS)',
    )
    .option(
      '--endpoint <url>',
      `emulator URL (default: $ENVELOPE_EMULATOR when it is a URL, else ${DEFAULT_EMULATOR_URL}; $ENVELOPE_KMS_URL is a deprecated alias)`,
    )
    .option('--region <region>', 'region to act in', process.env.AWS_REGION ?? 'us-east-1')
    .option('--json', 'print JSON');
  const opts = (): KeysOptions => keys.opts<KeysOptions>();
  const print = (human: string, data: Record<string, unknown>) =>
    new Reporter({ json: opts().json ?? false }).done(human, data);
  registerAzureKeysCommands(keys, () => opts().json ?? false);

  keys
    .command('create')
    .description('create a symmetric key (optionally multi-Region, replicated, aliased)')
    .option('--description <text>', 'key description', '')
    .option('--multi-region', 'create a multi-Region primary key')
    .option('--replicate <region...>', 'replicate the multi-Region key to these regions')
    .option('--alias <name>', 'alias to create for it (alias/...)')
    .action(
      async (o: { description: string; multiRegion?: boolean; replicate?: string[]; alias?: string }) => {
        const kms = client(opts());
        const created = await kms.send(
          new CreateKeyCommand({
            Description: o.description,
            MultiRegion: o.multiRegion || !!o.replicate?.length,
          }),
        );
        const arn = created.KeyMetadata!.Arn!;
        const replicas: string[] = [];
        for (const region of o.replicate ?? []) {
          const out = await kms.send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: region }));
          replicas.push(out.ReplicaKeyMetadata!.Arn!);
        }
        if (o.alias) await kms.send(new CreateAliasCommand({ AliasName: o.alias, TargetKeyId: arn }));
        print([arn, ...replicas].join('\n'), { arn, replicas, alias: o.alias ?? null });
      },
    );

  keys
    .command('import')
    .argument('[key-id]', 'EXTERNAL key to import into (default: create one)')
    .description('bring your own key: import key material, generated locally or read from a file')
    .option('--material <file>', 'key material to import (raw bytes; PKCS#8 DER for RSA/ECC keys)')
    .option('--material-out <file>', 'generate 256-bit material and save it here (0600) before importing')
    .option('--key-spec <spec>', 'key spec of a key created for the import', 'SYMMETRIC_DEFAULT')
    .option('--key-usage <usage>', 'key usage of a key created for the import')
    .option('--description <text>', 'description of a key created for the import', '')
    .option('--alias <name>', 'alias for a key created for the import (alias/...)')
    .option(
      '--wrapping-algorithm <alg>',
      'RSAES_OAEP_SHA_1|RSAES_OAEP_SHA_256|RSA_AES_KEY_WRAP_SHA_1|RSA_AES_KEY_WRAP_SHA_256',
    )
    .option('--wrapping-key-spec <spec>', 'RSA_2048|RSA_3072|RSA_4096', 'RSA_4096')
    .option('--valid-to <time>', 'ISO 8601 time the material expires (default: never)')
    .option('--aws', 'use AWS KMS (default credentials, --region) instead of the emulator')
    .action(async (keyId: string | undefined, o: KeysImportOptions & { aws?: boolean }) => {
      const kms = client(opts(), (keyId && regionOf(keyId)) || opts().region, o.aws ?? false);
      try {
        const r = await importKeyMaterial(kms, keyId, o);
        print(
          [
            r.arn,
            `  imported (${r.wrappingAlgorithm}), ${r.validTo ? `expires ${r.validTo}` : 'does not expire'}`,
          ].join('\n'),
          { ...r },
        );
      } finally {
        kms.destroy();
      }
    });

  keys
    .command('list')
    .description('list keys and aliases in the region')
    .action(async () => {
      const kms = client(opts());
      const [listed, aliases] = await Promise.all([
        kms.send(new ListKeysCommand({})),
        kms.send(new ListAliasesCommand({})),
      ]);
      const rows = (listed.Keys ?? []).map((k) => ({
        arn: k.KeyArn!,
        aliases: (aliases.Aliases ?? []).filter((a) => a.TargetKeyId === k.KeyId).map((a) => a.AliasName!),
      }));
      print(
        rows.map((r) => `${r.arn}${r.aliases.length ? `  ${r.aliases.join(', ')}` : ''}`).join('\n') ||
          '(no keys)',
        {
          keys: rows,
        },
      );
    });

  keys
    .command('describe')
    .argument('<key-id>', 'key id, ARN or alias')
    .description('show a key’s metadata')
    .action(async (keyId: string) => {
      const meta = (
        await client(opts(), regionOf(keyId) ?? opts().region).send(new DescribeKeyCommand({ KeyId: keyId }))
      ).KeyMetadata!;
      print(
        [
          meta.Arn,
          `  state ${meta.KeyState}, spec ${meta.KeySpec}, usage ${meta.KeyUsage}`,
          `  multi-Region ${meta.MultiRegion ? meta.MultiRegionConfiguration?.MultiRegionKeyType : 'no'}`,
          `  created ${meta.CreationDate?.toISOString()}${meta.Description ? `, "${meta.Description}"` : ''}`,
        ].join('\n'),
        { keyMetadata: meta },
      );
    });

  keys
    .command('rotate')
    .argument('<key-id>', 'key id, ARN or alias')
    .description('rotate a key now (old versions keep decrypting)')
    .action(async (keyId: string) => {
      await client(opts(), regionOf(keyId) ?? opts().region).send(
        new RotateKeyOnDemandCommand({ KeyId: keyId }),
      );
      print(`rotated ${keyId}`, { rotated: keyId });
    });

  keys
    .command('alias')
    .argument('<alias>', 'alias/name')
    .argument('<key-id>', 'key id or ARN')
    .description('point an alias at a key')
    .action(async (alias: string, keyId: string) => {
      await client(opts(), regionOf(keyId) ?? opts().region).send(
        new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }),
      );
      print(`${alias} -> ${keyId}`, { alias, keyId });
    });

  registerGcpKeysCommands(keys);
}

function regionOf(keyId: string): string | undefined {
  return /^arn:[^:]+:kms:([^:]+):/.exec(keyId)?.[1];
}
