import { loadOptionalModule } from '@envelope/core';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { Reporter } from '../report.js';

interface AzureKeysOptions {
  vault?: string;
  emulator?: string;
  caFile?: string;
}

/**
 * A KeyClient for the vault: against the emulator (`--emulator`, its CA with `--ca-file`) with the
 * emulator's credential, or against Azure with `DefaultAzureCredential` from `@azure/identity`. The
 * Azure SDK is loaded here, on use, so other commands never load it.
 */
async function keyClient(o: AzureKeysOptions) {
  if (!o.vault) {
    throw new CliError(
      'No vault.',
      ExitCode.USAGE,
      'pass --vault https://<name>.vault.azure.net or set ENVELOPE_AZURE_VAULT',
    );
  }
  const [{ KeyClient }, { azureClientOptions }] = await Promise.all([
    import('@azure/keyvault-keys'),
    import('@envelope/azure-keyvault'),
  ]);
  // One retry at most, so a vault that is down costs seconds, not the SDK's minute of back-off.
  const retryOptions = { maxRetries: 1, maxRetryDelayInMs: 1000 };
  if (o.emulator) {
    const { credential, clientOptions } = azureClientOptions({ endpoint: o.emulator, caFile: o.caFile });
    return new KeyClient(o.vault, credential, { ...clientOptions, retryOptions });
  }
  const name = '@azure/identity';
  const identity = await loadOptionalModule<{
    DefaultAzureCredential: new () => import('@azure/core-auth').TokenCredential;
  }>({ require: () => require(name), import: () => import(name) }).catch(() => {
    throw new CliError(
      'Azure credentials need @azure/identity.',
      ExitCode.USAGE,
      'npm i @azure/identity, or pass --emulator <url> for the emulator',
    );
  });
  return new KeyClient(o.vault, new identity.DefaultAzureCredential(), { retryOptions });
}

/** Azure's errors become one line naming the operation, key and Azure's code (exit code 5). */
async function call<T>(operation: string, vault: string | undefined, name: string, run: () => Promise<T>) {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const { normalizeAzureError } = await import('@envelope/azure-keyvault');
    throw new CliError(
      normalizeAzureError(operation, `${vault}/keys/${name}`, error).message,
      ExitCode.NO_KEY_ACCESS,
      'check --vault, --emulator and your access to the key',
    );
  }
}

/** `envelope keys azure …`: create, list versions, rotate and disable Key Vault keys. */
export function registerAzureKeysCommands(keys: Command, json: () => boolean): void {
  const azure = keys
    .command('azure')
    .description('create, list versions, rotate and disable Azure Key Vault keys (or the emulator’s)')
    .option('--vault <url>', 'vault URL, https://<name>.vault.azure.net', process.env.ENVELOPE_AZURE_VAULT)
    .option(
      '--emulator <url>',
      'the emulator’s Azure endpoint, e.g. https://localhost:8443',
      process.env.ENVELOPE_AZURE_URL,
    )
    .option('--ca-file <file>', 'the emulator’s CA certificate (PEM)', process.env.ENVELOPE_AZURE_CA_FILE);
  const opts = (): AzureKeysOptions => azure.opts<AzureKeysOptions>();
  const print = (human: string, data: Record<string, unknown>) =>
    new Reporter({ json: json() }).done(human, data);

  azure
    .command('create')
    .argument('<name>', 'key name')
    .description('create a key: RSA (wraps with RSA-OAEP-256) or oct-HSM (A256KW)')
    .option('--kty <type>', 'RSA | RSA-HSM | oct-HSM', 'RSA')
    .option('--size <bits>', 'RSA: 2048 | 3072 | 4096; oct-HSM: 128 | 192 | 256')
    .action(async (name: string, o: { kty: string; size?: string }) => {
      if (!['RSA', 'RSA-HSM', 'oct-HSM'].includes(o.kty)) {
        throw new CliError(`--kty ${o.kty} is not supported.`, ExitCode.USAGE, 'use RSA, RSA-HSM or oct-HSM');
      }
      const keySize = o.size === undefined ? (o.kty === 'oct-HSM' ? 256 : 2048) : Number(o.size);
      if (!Number.isSafeInteger(keySize))
        throw new CliError(`--size ${o.size} is not a number.`, ExitCode.USAGE);
      const client = await keyClient(opts());
      const key = await call('create', opts().vault, name, () =>
        client.createKey(name, o.kty, { keySize, keyOps: ['wrapKey', 'unwrapKey'] }),
      );
      print(`${key.id}\n  ${key.keyType}, version ${key.properties.version}`, {
        id: key.id,
        name: key.name,
        version: key.properties.version,
        keyType: key.keyType,
      });
    });

  azure
    .command('versions')
    .argument('<name>', 'key name')
    .description('list the versions of a key (enabled or not)')
    .action(async (name: string) => {
      const client = await keyClient(opts());
      const versions = await call('list versions', opts().vault, name, async () => {
        const rows: Array<{ id: string; version: string; enabled: boolean; createdOn: string | null }> = [];
        for await (const p of client.listPropertiesOfKeyVersions(name)) {
          rows.push({
            id: p.id ?? '',
            version: p.version ?? '',
            enabled: p.enabled ?? false,
            createdOn: p.createdOn?.toISOString() ?? null,
          });
        }
        return rows;
      });
      print(
        versions
          .map((v) => `${v.id}  ${v.enabled ? 'enabled' : 'disabled'}  ${v.createdOn ?? ''}`)
          .join('\n') || '(no versions)',
        { versions },
      );
    });

  azure
    .command('rotate')
    .argument('<name>', 'key name')
    .description('make a new version now (old versions keep unwrapping)')
    .action(async (name: string) => {
      const client = await keyClient(opts());
      const key = await call('rotate', opts().vault, name, () => client.rotateKey(name));
      print(`rotated ${name}: new version ${key.id}`, { id: key.id, version: key.properties.version });
    });

  azure
    .command('disable')
    .argument('<name>', 'key name')
    .option('--version <version>', 'the version to disable (default: the latest)')
    .description('disable a key version: it neither wraps nor unwraps until enabled again')
    .action(async (name: string, o: { version?: string }) => {
      const client = await keyClient(opts());
      const key = await call('disable', opts().vault, name, async () => {
        const version = o.version ?? (await client.getKey(name)).properties.version!;
        return client.updateKeyProperties(name, version, { enabled: false });
      });
      print(`disabled ${key.id}`, { id: key.id, enabled: key.properties.enabled ?? false });
    });
}
