import type { KeyManagementServiceClient } from '@google-cloud/kms';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { Reporter } from '../report.js';

interface GcpKeysOptions {
  endpoint?: string;
  transport: 'grpc' | 'rest';
  gcp?: boolean;
  project?: string;
  location: string;
  json?: boolean;
}

/** Admin calls: the client's own retry off, a bounded wait, so a server that is down fails in seconds. */
const CALL = { timeout: 15_000, retry: null };
const ID = /^[A-Za-z0-9_-]{1,63}$/;

/** The Cloud KMS client libraries, loaded only when a `keys gcp` command runs (every other command starts without them). */
const cloudKms = async () => {
  const [{ KeyManagementServiceClient }, { gcpClientOptions, normalizeGcpError }] = await Promise.all([
    import('@google-cloud/kms'),
    import('@envelope/gcp-kms'),
  ]);
  return { KeyManagementServiceClient, gcpClientOptions, normalizeGcpError };
};

async function client(o: GcpKeysOptions): Promise<KeyManagementServiceClient> {
  const { KeyManagementServiceClient, gcpClientOptions } = await cloudKms();
  // Real Cloud KMS: Application Default Credentials and Google's endpoint.
  if (o.gcp) return new KeyManagementServiceClient();
  if (!o.endpoint) {
    throw new CliError(
      'No Cloud KMS emulator endpoint.',
      ExitCode.USAGE,
      'pass --endpoint 127.0.0.1:<port> (the gRPC port envelope kms serve prints) or set ENVELOPE_GCP_KMS_URL; --gcp for Google Cloud',
    );
  }
  return new KeyManagementServiceClient(gcpClientOptions({ endpoint: o.endpoint, transport: o.transport }));
}

function locationName(o: GcpKeysOptions): string {
  if (!o.project) {
    throw new CliError('No project.', ExitCode.USAGE, 'pass --project <id> or set GOOGLE_CLOUD_PROJECT');
  }
  return `projects/${o.project}/locations/${o.location}`;
}

/** A full resource name, or ids relative to --project/--location (`ring`, `ring/key`, `ring/key/3`). */
function resourceName(o: GcpKeysOptions, value: string, kinds: readonly string[]): string {
  if (value.startsWith('projects/')) return value;
  const ids = value.split('/');
  if (ids.length !== kinds.length || !ids.every((id) => ID.test(id))) {
    throw new CliError(
      `${JSON.stringify(value)} is not a ${kinds.join('/')} name.`,
      ExitCode.USAGE,
      `give projects/<p>/locations/<l>/… or ${kinds.map((k) => `<${k}>`).join('/')} with --project and --location`,
    );
  }
  const segments = ['keyRings', 'cryptoKeys', 'cryptoKeyVersions'];
  return `${locationName(o)}/${ids.map((id, i) => `${segments[i]}/${id}`).join('/')}`;
}

function seconds(period: string): number {
  const m = /^(\d{1,6})([sd])$/.exec(period);
  const value = m ? Number(m[1]) * (m[2] === 'd' ? 86_400 : 1) : Number.NaN;
  if (!(value >= 86_400)) {
    throw new CliError(
      `Rotation period ${JSON.stringify(period)} is invalid.`,
      ExitCode.USAGE,
      'use e.g. 90d or 86400s (at least one day)',
    );
  }
  return value;
}

/** `envelope keys gcp …`: manage Cloud KMS key rings, keys and versions in the emulator (or Google Cloud with --gcp). */
export function registerGcpKeysCommands(keys: Command): void {
  const gcp = keys
    .command('gcp')
    .description('Cloud KMS: create key rings and keys, list, rotate, disable, destroy versions')
    .option(
      '--endpoint <host:port>',
      'emulator Cloud KMS endpoint (gRPC, or REST with --transport rest)',
      process.env.ENVELOPE_GCP_KMS_URL,
    )
    .option('--transport <grpc|rest>', 'how to reach it', 'grpc')
    .option('--gcp', 'use Google Cloud KMS (Application Default Credentials) instead of the emulator')
    .option('--project <id>', 'project of relative names', process.env.GOOGLE_CLOUD_PROJECT)
    .option('--location <id>', 'location of relative names', 'global')
    .option('--json', 'print JSON');
  // `--endpoint` and `--json` after the subcommand may be parsed by `keys` (it has both, for AWS):
  // take them from there only when given on the command line, never the AWS default endpoint.
  const opts = (): GcpKeysOptions => {
    const own = gcp.opts<GcpKeysOptions>();
    const fromKeys =
      keys.getOptionValueSource('endpoint') === 'cli'
        ? keys.opts<{ endpoint?: string }>().endpoint
        : undefined;
    const endpoint = own.endpoint ?? fromKeys;
    return {
      ...own,
      ...(endpoint ? { endpoint } : {}),
      json: own.json ?? keys.opts<{ json?: boolean }>().json,
    };
  };
  const print = (human: string, data: Record<string, unknown>) =>
    new Reporter({ json: opts().json ?? false }).done(human, data);
  /** Runs one command with a client, closed afterwards; Cloud KMS errors are reported with their status. */
  const withClient = async (
    operation: string,
    target: string,
    work: (kms: KeyManagementServiceClient) => Promise<void>,
  ) => {
    const o = opts();
    if (o.transport !== 'grpc' && o.transport !== 'rest') {
      throw new CliError(
        `Unknown transport ${JSON.stringify(o.transport)}.`,
        ExitCode.USAGE,
        'use grpc or rest',
      );
    }
    const kms = await client(o);
    try {
      await work(kms);
    } catch (error) {
      if (error instanceof CliError) throw error;
      const { normalizeGcpError } = await cloudKms();
      const failure = normalizeGcpError(error, operation, target) as Error & { status?: string };
      const hint =
        failure.status === 'UNAVAILABLE' && !o.gcp
          ? `is the emulator serving Cloud KMS (${o.transport}) at ${o.endpoint}?`
          : undefined;
      // The keyring's advice in parentheses is about fall-over; here the hint names the endpoint.
      throw new CliError(
        hint ? failure.message.replace(/ \([^()]*\)$/, '') : failure.message,
        ExitCode.FAILURE,
        hint,
      );
    } finally {
      await kms.close();
    }
  };

  gcp
    .command('create-ring')
    .argument('<key-ring>', 'key ring id (in --project/--location) or full name')
    .description('create a key ring')
    .action(async (ring: string) => {
      const name = resourceName(opts(), ring, ['keyRing']);
      const [parent, id] = [
        name.slice(0, name.lastIndexOf('/keyRings/')),
        name.slice(name.lastIndexOf('/') + 1),
      ];
      await withClient('CreateKeyRing', name, async (kms) => {
        const [created] = await kms.createKeyRing({ parent, keyRingId: id, keyRing: {} }, CALL);
        print(String(created.name), { keyRing: created.name });
      });
    });

  gcp
    .command('create-key')
    .argument('<key>', 'ring/key (in --project/--location) or full CryptoKey name')
    .description('create a symmetric ENCRYPT_DECRYPT key (version 1 primary)')
    .option('--rotation-period <period>', 'automatic rotation, e.g. 90d')
    .option('--protection-level <level>', 'SOFTWARE or HSM', 'SOFTWARE')
    .action(async (key: string, o: { rotationPeriod?: string; protectionLevel: string }) => {
      const name = resourceName(opts(), key, ['keyRing', 'cryptoKey']);
      const parent = name.slice(0, name.lastIndexOf('/cryptoKeys/'));
      const period = o.rotationPeriod ? seconds(o.rotationPeriod) : undefined;
      await withClient('CreateCryptoKey', name, async (kms) => {
        const [created] = await kms.createCryptoKey(
          {
            parent,
            cryptoKeyId: name.slice(name.lastIndexOf('/') + 1),
            cryptoKey: {
              purpose: 'ENCRYPT_DECRYPT',
              versionTemplate: {
                algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION',
                protectionLevel: o.protectionLevel as 'SOFTWARE',
              },
              ...(period
                ? {
                    rotationPeriod: { seconds: period },
                    nextRotationTime: { seconds: Math.floor(Date.now() / 1000) + period },
                  }
                : {}),
            },
          },
          CALL,
        );
        print(String(created.name), { cryptoKey: created.name, primary: created.primary?.name ?? null });
      });
    });

  gcp
    .command('list')
    .argument('[key-ring]', 'list the keys of this ring; default: the key rings of --project/--location')
    .description('list key rings, or the keys of one ring with their primary versions')
    .action(async (ring?: string) => {
      if (!ring) {
        const parent = locationName(opts());
        await withClient('ListKeyRings', parent, async (kms) => {
          const [rings] = await kms.listKeyRings({ parent }, CALL);
          const names = rings.map((r) => String(r.name));
          print(names.join('\n') || '(no key rings)', { keyRings: names });
        });
        return;
      }
      const parent = resourceName(opts(), ring, ['keyRing']);
      await withClient('ListCryptoKeys', parent, async (kms) => {
        const [keys] = await kms.listCryptoKeys({ parent }, CALL);
        const rows = keys.map((k) => ({
          name: String(k.name),
          primary: k.primary?.name ?? null,
          state: k.primary?.state ? String(k.primary.state) : null,
        }));
        print(rows.map((r) => `${r.name}  ${r.state ?? 'no primary'}`).join('\n') || '(no keys)', {
          cryptoKeys: rows,
        });
      });
    });

  gcp
    .command('versions')
    .argument('<key>', 'ring/key or full CryptoKey name')
    .description('list the versions of a key and their states')
    .action(async (key: string) => {
      const parent = resourceName(opts(), key, ['keyRing', 'cryptoKey']);
      await withClient('ListCryptoKeyVersions', parent, async (kms) => {
        const [versions] = await kms.listCryptoKeyVersions({ parent }, CALL);
        const rows = versions.map((v) => ({ name: String(v.name), state: String(v.state) }));
        print(rows.map((r) => `${r.name}  ${r.state}`).join('\n') || '(no versions)', { versions: rows });
      });
    });

  gcp
    .command('rotate')
    .argument('<key>', 'ring/key or full CryptoKey name')
    .description('create a new version and make it primary (old versions keep decrypting)')
    .action(async (key: string) => {
      const name = resourceName(opts(), key, ['keyRing', 'cryptoKey']);
      await withClient('CreateCryptoKeyVersion', name, async (kms) => {
        const [version] = await kms.createCryptoKeyVersion({ parent: name, cryptoKeyVersion: {} }, CALL);
        const versionId = String(version.name).slice(String(version.name).lastIndexOf('/') + 1);
        await kms.updateCryptoKeyPrimaryVersion({ name, cryptoKeyVersionId: versionId }, CALL);
        print(`${name}: primary is now ${version.name}`, { cryptoKey: name, primary: version.name });
      });
    });

  for (const [command, state, doing] of [
    ['disable', 'DISABLED', 'disable a key version (it neither encrypts nor decrypts until enabled)'],
    ['enable', 'ENABLED', 'enable a disabled key version'],
  ] as const) {
    gcp
      .command(command)
      .argument('<version>', 'ring/key/version or full CryptoKeyVersion name')
      .description(doing)
      .action(async (version: string) => {
        const name = resourceName(opts(), version, ['keyRing', 'cryptoKey', 'cryptoKeyVersion']);
        await withClient('UpdateCryptoKeyVersion', name, async (kms) => {
          const [updated] = await kms.updateCryptoKeyVersion(
            { cryptoKeyVersion: { name, state }, updateMask: { paths: ['state'] } },
            CALL,
          );
          print(`${updated.name}  ${String(updated.state)}`, {
            version: updated.name,
            state: String(updated.state),
          });
        });
      });
  }

  gcp
    .command('destroy')
    .argument('<version>', 'ring/key/version or full CryptoKeyVersion name')
    .description('schedule a key version for destruction (restorable until the scheduled time)')
    .action(async (version: string) => {
      const name = resourceName(opts(), version, ['keyRing', 'cryptoKey', 'cryptoKeyVersion']);
      await withClient('DestroyCryptoKeyVersion', name, async (kms) => {
        const [destroyed] = await kms.destroyCryptoKeyVersion({ name }, CALL);
        const at = destroyed.destroyTime?.seconds
          ? new Date(Number(destroyed.destroyTime.seconds) * 1000).toISOString()
          : null;
        print(`${destroyed.name}  ${String(destroyed.state)}${at ? ` (destroyed at ${at})` : ''}`, {
          version: destroyed.name,
          state: String(destroyed.state),
          destroyTime: at,
        });
      });
    });
}
