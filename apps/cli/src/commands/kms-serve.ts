import {
  AccessKeysFileError,
  createKmsServer,
  DEFAULT_PORT,
  FaultSpecError,
  type KmsServer,
  type KmsServerOptions,
  type LogRecord,
  loadAccessKeysFile,
  RootKeyError,
  SeedFileError,
} from '@envelope/kms-server';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';

interface KmsServeOptions {
  port: number;
  host: string;
  dataDir?: string;
  inMemory?: boolean;
  rootKeyFile?: string;
  allowPlaintextRootKey?: boolean;
  seed?: string;
  accessKeys?: string;
  region: string;
  account: string;
  fault?: unknown[];
  admin: boolean;
  allowHost?: string[];
  maxConnections?: number;
  maxPendingBodyBytes?: number;
  drainTimeout?: number;
  gcpRestPort?: number;
  gcpGrpcPort?: number;
  azurePort?: number;
  azureVault?: string[];
}

/** `envelope kms serve`: the local AWS KMS server (docs/kms-server.md). */
export function registerKmsCommands(program: Command): void {
  const kms = program.command('kms').description('local AWS KMS (emulator) commands');
  kms
    .command('serve')
    .description(
      'run a local KMS server (AWS JSON 1.1 over HTTP); logs JSON lines on stderr, each endpoint with its URL',
    )
    .option('-p, --port <port>', `AWS KMS endpoint port; 0 picks a free one`, parsePort, DEFAULT_PORT)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'durable storage (default $ENVELOPE_KMS_DATA_DIR or ~/.envelope/kms)')
    .option('--in-memory', 'keep keys in memory only (lost on exit)')
    .option(
      '--root-key-file <file>',
      'root key: 32 raw bytes or 64 hex characters (or $ENVELOPE_KMS_ROOT_KEY)',
    )
    .option('--allow-plaintext-root-key', 'generate <data-dir>/root.key on first start and reuse it')
    .option('--seed <file>', 'YAML seed file: keys (stable ids), aliases, tags, replicas, policies')
    .option(
      '--access-keys <file>',
      'YAML/JSON map accessKeyId → {secretAccessKey, principal}; turns SigV4 on',
    )
    .option('--region <region>', 'region of unsigned requests', 'us-east-1')
    .option('--account <id>', 'default account id', '111122223333')
    .option(
      '--fault <json>',
      'fault active from the start, e.g. {"throttle":{"operation":"Decrypt"}} (repeatable)',
      collectFault,
    )
    .option('--no-admin', 'do not serve the admin API (/_envelope/faults, reset, audit, /metrics)')
    .option(
      '--allow-host <name>',
      'accept this Host header name besides IP addresses, localhost and --host (repeatable)',
      collectString,
    )
    .option('--max-connections <n>', 'open connections before new ones get 503 (default 10000)', parseCount)
    .option(
      '--max-pending-body-bytes <n>',
      'request-body bytes held at once across connections before 503 (default 67108864)',
      parseCount,
    )
    .option(
      '--drain-timeout <ms>',
      'on SIGTERM, how long in-flight calls may finish (default 10000)',
      parseCount,
    )
    .option(
      '--gcp-rest-port <port>',
      'also serve Google Cloud KMS over REST on this port (0: a free one)',
      parsePort,
    )
    .option(
      '--gcp-grpc-port <port>',
      'also serve Google Cloud KMS over gRPC on this port (0: a free one)',
      parsePort,
    )
    .option(
      '--azure-port <port>',
      'also serve Azure Key Vault over HTTPS (and as a CONNECT proxy for <vault>.vault.localhost) on this port',
      parsePort,
    )
    .option(
      '--azure-vault <name...>',
      'vault names the Azure certificate names (others work through its wildcard)',
    )
    .action(async (options: KmsServeOptions) => serve(options));
}

async function serve(o: KmsServeOptions): Promise<void> {
  const server = await start({
    port: o.port,
    host: o.host,
    defaultRegion: o.region,
    accountId: o.account,
    admin: o.admin,
    faults: o.fault ?? [],
    log: writeLog,
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
    ...(o.inMemory ? { inMemory: true } : {}),
    ...(o.rootKeyFile ? { rootKeyFile: o.rootKeyFile } : {}),
    ...(o.allowPlaintextRootKey ? { allowPlaintextRootKey: true } : {}),
    ...(o.seed ? { seedFile: o.seed } : {}),
    ...(o.accessKeys ? { accessKeys: readAccessKeys(o.accessKeys) } : {}),
    ...(o.allowHost ? { allowedHosts: o.allowHost } : {}),
    ...(o.gcpRestPort !== undefined || o.gcpGrpcPort !== undefined
      ? {
          gcp: {
            ...(o.gcpRestPort !== undefined ? { restPort: o.gcpRestPort } : {}),
            ...(o.gcpGrpcPort !== undefined ? { grpcPort: o.gcpGrpcPort } : {}),
          },
        }
      : {}),
    ...(o.azurePort !== undefined ? { azure: { port: o.azurePort, vaults: o.azureVault ?? [] } } : {}),
    limits: {
      ...(o.maxConnections !== undefined ? { maxConnections: o.maxConnections } : {}),
      ...(o.maxPendingBodyBytes !== undefined ? { maxPendingBodyBytes: o.maxPendingBodyBytes } : {}),
      ...(o.drainTimeout !== undefined ? { drainTimeoutMs: o.drainTimeout } : {}),
    },
  });
  await untilSignalled(server);
}

/** Setup problems (root key, seed, access keys, faults) exit with the config exit code. */
async function start(options: KmsServerOptions): Promise<KmsServer> {
  try {
    return await createKmsServer(options);
  } catch (error) {
    const setup = [RootKeyError, SeedFileError, AccessKeysFileError, FaultSpecError];
    if (setup.some((type) => error instanceof type))
      throw new CliError((error as Error).message, ExitCode.CONFIG);
    throw error;
  }
}

/** Resolves once a SIGTERM/SIGINT has stopped the server gracefully; a second signal exits at once. */
function untilSignalled(server: KmsServer): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        writeLog({ level: 'warn', msg: 'second signal, exiting without draining', signal });
        process.exit(1);
      }
      stopping = true;
      writeLog({ level: 'info', msg: 'shutting down', signal });
      server.close().then(() => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        resolve();
      }, reject);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

function readAccessKeys(file: string) {
  try {
    return loadAccessKeysFile(file);
  } catch (error) {
    if (error instanceof AccessKeysFileError) throw new CliError(error.message, ExitCode.CONFIG);
    throw error;
  }
}

function writeLog(record: LogRecord): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be a port number 0–65535');
  }
  return port;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('must be a whole number of at least 1');
  }
  return n;
}

function collectString(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function collectFault(value: string, previous: unknown[] = []): unknown[] {
  try {
    return [...previous, JSON.parse(value)];
  } catch {
    throw new InvalidArgumentError('must be JSON, e.g. {"regionDown":"eu-west-1"}');
  }
}
