import {
  AccessKeysFileError,
  createKmsServer,
  FaultSpecError,
  type KmsServer,
  type KmsServerOptions,
  type LogRecord,
  loadAccessKeysFile,
  ROOT_KEY_ENV,
  RootKeyError,
  SeedFileError,
} from '@envelope/kms-server';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { logSink } from './kms-serve-log.js';
import { addKmsServeOptions, type KmsServeOptions } from './kms-serve-options.js';

/** `envelope kms serve`: the local KMS server (docs/kms-server.md). */
export function registerKmsCommands(program: Command): void {
  const kms = program.command('kms').description('local KMS (emulator) commands');
  addKmsServeOptions(
    kms
      .command('serve')
      .description(
        'run a local KMS server (AWS JSON 1.1 over HTTP; optionally GCP and Azure); logs one line per request on stderr',
      ),
  ).action(async (options: KmsServeOptions) => serve(options));
}

async function serve(o: KmsServeOptions): Promise<void> {
  const writeLog = logSink(o.logLevel, o.logFormat);
  const inMemory = o.inMemory || !choseStorage(o);
  if (inMemory && !o.inMemory) {
    writeLog({
      level: 'warn',
      msg:
        'IN-MEMORY SERVER: no --data-dir or root key was given, so every key lives in memory and is LOST ' +
        'when the server stops. To keep keys, pass --data-dir <dir> with --root-key-file <file> (or ' +
        `${ROOT_KEY_ENV}), or with --allow-plaintext-root-key; --in-memory silences this warning.`,
    });
  }
  // Listening for signals before the server starts: a supervisor may send SIGTERM as soon as it reads
  // the "kms server ready" line, and with no handler yet Node's default would kill without draining.
  const signals = catchStopSignals(writeLog);
  try {
    const server = await start({
      log: writeLog,
      port: o.port,
      host: o.host,
      defaultRegion: o.region,
      accountId: o.account,
      admin: o.admin,
      faults: o.fault ?? [],
      ...(o.dataDir ? { dataDir: o.dataDir } : {}),
      ...(inMemory ? { inMemory: true } : {}),
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
    await signals.received;
    await server.close();
  } finally {
    signals.dispose();
  }
}

/**
 * With no storage option, `envelope kms serve` runs in memory (docs/kms-server.md, "Storage"): it then
 * starts anywhere (CI, a fresh laptop) and writes nothing; durable storage needs a root key, which the
 * user chooses rather than finding a generated plaintext key in their home directory.
 */
function choseStorage(o: KmsServeOptions): boolean {
  return Boolean(o.dataDir || o.rootKeyFile || o.allowPlaintextRootKey || process.env[ROOT_KEY_ENV]);
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

/**
 * `received` resolves at the first SIGTERM/SIGINT (the caller then stops the server gracefully); a
 * second signal exits at once. `dispose` removes the handlers.
 */
function catchStopSignals(writeLog: (record: LogRecord) => void): {
  received: Promise<void>;
  dispose(): void;
} {
  let stopping = false;
  let resolve!: () => void;
  const received = new Promise<void>((r) => (resolve = r));
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      writeLog({ level: 'warn', msg: 'second signal, exiting without draining', signal });
      process.exit(1);
    }
    stopping = true;
    writeLog({ level: 'info', msg: 'shutting down', signal });
    resolve();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return {
    received,
    dispose: () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    },
  };
}

function readAccessKeys(file: string) {
  try {
    return loadAccessKeysFile(file);
  } catch (error) {
    if (error instanceof AccessKeysFileError) throw new CliError(error.message, ExitCode.CONFIG);
    throw error;
  }
}
