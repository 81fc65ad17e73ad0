import { DEFAULT_PORT } from '@envelope/kms-server';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';

/** What `envelope kms serve` is given, from flags, then `ENVELOPE_KMS_*` variables, then defaults. */
export interface KmsServeOptions {
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
  logLevel: LogLevel;
  logFormat: 'json' | 'text';
}

export const LOG_LEVELS = ['info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every flag of `envelope kms serve`, each with one environment variable (shown in `--help`): a flag
 * beats its variable, which beats the default. A bad value names the variable and exits 2.
 */
export function addKmsServeOptions(serve: Command): Command {
  const option = (flags: string, description: string, env: string) =>
    new Option(flags, description).env(`ENVELOPE_KMS_${env}`);
  serve
    .addOption(
      option('-p, --port <port>', 'AWS KMS endpoint port; 0 picks a free one', 'PORT')
        .argParser(parsePort)
        .default(DEFAULT_PORT),
    )
    .addOption(option('--host <host>', 'address to listen on', 'HOST').default('127.0.0.1'))
    .addOption(
      option(
        '--data-dir <dir>',
        'durable storage (SQLite); with no storage option at all the server keeps keys in memory',
        'DATA_DIR',
      ),
    )
    .addOption(option('--in-memory', 'keep keys in memory only (lost on exit)', 'IN_MEMORY'))
    .addOption(
      option(
        '--root-key-file <file>',
        'root key: 32 raw bytes or 64 hex characters (the key itself may be given in $ENVELOPE_KMS_ROOT_KEY)',
        'ROOT_KEY_FILE',
      ),
    )
    .addOption(
      option(
        '--allow-plaintext-root-key',
        'generate <data-dir>/root.key on first start and reuse it',
        'ALLOW_PLAINTEXT_ROOT_KEY',
      ),
    )
    .addOption(
      option('--seed <file>', 'YAML seed file: keys (stable ids), aliases, tags, replicas, policies', 'SEED'),
    )
    .addOption(
      option(
        '--access-keys <file>',
        'YAML/JSON map accessKeyId → {secretAccessKey, principal}; turns SigV4 on',
        'ACCESS_KEYS',
      ),
    )
    .addOption(option('--region <region>', 'region of unsigned requests', 'REGION').default('us-east-1'))
    .addOption(option('--account <id>', 'default account id', 'ACCOUNT').default('111122223333'))
    .addOption(
      option(
        '--fault <json>',
        'fault active from the start, e.g. {"throttle":{"operation":"Decrypt"}} (repeatable; the variable takes a JSON object or array)',
        'FAULT',
      ).argParser(collectFaults),
    )
    .addOption(
      option(
        '--no-admin',
        'do not serve the admin API (/_envelope/faults, reset, audit, /metrics)',
        'NO_ADMIN',
      ),
    )
    .addOption(
      option(
        '--allow-host <name>',
        'accept this Host header name besides IP addresses, localhost and --host (repeatable; comma-separated in the variable)',
        'ALLOW_HOST',
      ).argParser(collectNames),
    )
    .addOption(
      option(
        '--max-connections <n>',
        'open connections before new ones get 503 (default 10000)',
        'MAX_CONNECTIONS',
      ).argParser(parseCount),
    )
    .addOption(
      option(
        '--max-pending-body-bytes <n>',
        'request-body bytes held at once across connections before 503 (default 67108864)',
        'MAX_PENDING_BODY_BYTES',
      ).argParser(parseCount),
    )
    .addOption(
      option(
        '--drain-timeout <ms>',
        'on SIGTERM, how long in-flight calls may finish (default 10000)',
        'DRAIN_TIMEOUT',
      ).argParser(parseCount),
    )
    .addOption(
      option(
        '--gcp-rest-port <port>',
        'also serve Google Cloud KMS over REST on this port (0: a free one)',
        'GCP_REST_PORT',
      ).argParser(parsePort),
    )
    .addOption(
      option(
        '--gcp-grpc-port <port>',
        'also serve Google Cloud KMS over gRPC on this port (0: a free one)',
        'GCP_GRPC_PORT',
      ).argParser(parsePort),
    )
    .addOption(
      option(
        '--azure-port <port>',
        'also serve Azure Key Vault over HTTPS (and as a CONNECT proxy for <vault>.vault.localhost) on this port',
        'AZURE_PORT',
      ).argParser(parsePort),
    )
    .addOption(
      option(
        '--azure-vault <name...>',
        'vault names the Azure certificate names (others work through its wildcard; comma-separated in the variable)',
        'AZURE_VAULT',
      ).argParser(collectNames),
    )
    .addOption(
      option('--log-level <level>', 'least severe log records written', 'LOG_LEVEL')
        .choices(LOG_LEVELS)
        .default('info'),
    )
    .addOption(
      option('--log-format <format>', 'log lines on stderr: JSON objects, or text', 'LOG_FORMAT')
        .choices(['json', 'text'])
        .default('json'),
    );
  // Commander sets a boolean flag from its variable whatever the value; read the value instead.
  serve.hook('preAction', (command) => {
    for (const flag of command.options) {
      if (!flag.isBoolean() || !flag.envVar) continue;
      const name = flag.attributeName();
      if (command.getOptionValueSource(name) !== 'env') continue;
      const on = parseSwitch(flag.envVar, process.env[flag.envVar] ?? '');
      command.setOptionValueWithSource(name, flag.negate ? !on : on, 'env');
    }
  });
  return serve;
}

function parseSwitch(variable: string, value: string): boolean {
  const text = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(text)) return false;
  throw new CliError(
    `environment variable ${variable} is ${JSON.stringify(value)}; it must be true or false (1/0, yes/no, on/off)`,
    ExitCode.USAGE,
    `fix or unset ${variable}`,
  );
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
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

/** Repeated flags add up; a variable may list several, comma-separated (no name holds a comma). */
function collectNames(value: string, previous: string[] = []): string[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('must name at least one');
  return [...previous, ...names];
}

function collectFaults(value: string, previous: unknown[] = []): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('must be JSON, e.g. {"regionDown":"eu-west-1"}');
  }
  return [...previous, ...(Array.isArray(parsed) ? parsed : [parsed])];
}
