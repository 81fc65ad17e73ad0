import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { loadOptionalModule } from '@envelope/core';
import {
  type AuditRetentionOptions,
  AWS_KINDS,
  type AwsFaults,
  AzureKeyVaultService,
  applySeed,
  awsLegacySchemaUpgrade,
  GcpKmsService,
  type KeyRecord,
  KmsEngine,
  loadSeedFile,
  MemoryResourceStore,
  probeRootKey,
  type ResourceStore,
  type SeedFile,
  SqliteResourceStore,
} from '@envelope/kms-emulator';
import { type AccessKey, awsJsonEndpoint } from '@envelope/kms-protocols/aws-json';
import type { ProtocolEndpoint } from '@envelope/kms-protocols/endpoint';
import { adminRoutes, endpointsRoute, healthRoute } from './admin/admin-routes.js';
import { applyFault, type FaultSpec, parseFaultSpec } from './admin/fault-spec.js';
import { stateReset } from './admin/reset.js';
import type { AzureHttpsListener } from './azure/https-listener.js';
import { HostAllowList, isLoopback } from './http/host-check.js';
import {
  type KmsServerLimits,
  type LogRecord,
  type RunningListener,
  startListener,
} from './http/listener.js';
import { RequestLog } from './http/request-log.js';
import { KmsMetrics } from './metrics/kms-metrics.js';
import { DATABASE_FILE, defaultDataDir, prepareDataDir } from './storage/data-dir.js';
import { checkRootKeyMatches, isSharedKeyFile, resolveRootKey } from './storage/root-key.js';

/**
 * SQLite `synchronous` level for the durable store. `NORMAL` in WAL mode keeps every acknowledged
 * write across a crash or SIGKILL of the server process (the WAL is in the OS page cache); only an
 * OS crash or power loss can lose the last commits. See docs/kms-server.md for the measurements.
 */
export const DEFAULT_SYNCHRONOUS: 'FULL' | 'NORMAL' = 'NORMAL';

/** The durable server keeps the newest million audit events unless told otherwise (docs/kms-server.md). */
export const DEFAULT_AUDIT_RETENTION: AuditRetentionOptions = { maxEvents: 1_000_000 };

/**
 * The in-memory server keeps the newest 100,000 audit events unless told otherwise: they live in
 * Buffers outside the JS heap (about 0.6 KiB each for a GenerateDataKey, so about 60 MiB at this
 * bound; see docs/kms-server.md), which keeps its memory bounded under any load.
 */
export const DEFAULT_MEMORY_AUDIT_RETENTION: AuditRetentionOptions = { maxEvents: 100_000 };

export interface KmsServerOptions {
  /** Where `kms.sqlite` lives; default `$ENVELOPE_KMS_DATA_DIR` or `~/.envelope/kms`. */
  readonly dataDir?: string;
  /** Keep everything in memory (nothing survives a restart); the root key may then be ephemeral. */
  readonly inMemory?: boolean;
  /** 32-byte key wrapping key material at rest. */
  readonly rootKey?: Buffer;
  /** File holding the root key (32 raw bytes or 64 hex characters). */
  readonly rootKeyFile?: string;
  /** Environment variable holding the root key (hex or base64); default `ENVELOPE_KMS_ROOT_KEY`. */
  readonly rootKeyEnv?: string;
  /** Generate and keep `<dataDir>/root.key` (0600) when no other root key source is given. */
  readonly allowPlaintextRootKey?: boolean;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /**
   * Host names (the `Host` header) accepted besides IP literals, `localhost` and `host`: the names
   * clients use to reach the server, e.g. `kms` in a compose network. Others get 403.
   */
  readonly allowedHosts?: readonly string[];
  /** Connection, body and drain limits; defaults in {@link DEFAULT_LIMITS}. */
  readonly limits?: Partial<KmsServerLimits>;
  /** Port of the AWS KMS JSON 1.1 endpoint; default {@link DEFAULT_PORT}; 0 picks a free port. */
  readonly port?: number;
  /**
   * More protocol endpoints, each on its own port on the same host, with the same Host check, limits,
   * admin API and drain as the AWS one (e.g. GCP REST, GCP gRPC, Azure REST).
   */
  readonly endpoints?: readonly ServerEndpoint[];
  /**
   * Serve the Google Cloud KMS face: `restPort` for REST (what `@google-cloud/kms` sends with
   * `fallback: 'rest'`, and `gcloud`), `grpcPort` for gRPC; each 0 picks a free port. Off by default.
   */
  readonly gcp?: { readonly restPort?: number; readonly grpcPort?: number };
  /**
   * Serve the Azure Key Vault face over HTTPS on `port` (0 picks a free port), also a CONNECT proxy for
   * `<vault>.vault.localhost` hosts; `vaults` are named in the certificate. Off by default. The CA lives
   * in `<dataDir>/tls` (per process in memory mode).
   */
  readonly azure?: { readonly port?: number; readonly vaults?: readonly string[] };
  /** Region for unsigned requests. Default us-east-1. */
  readonly defaultRegion?: string;
  /** Default account (unsigned and unknown callers act as its root). Default 111122223333. */
  readonly accountId?: string;
  /** When given, every KMS request must carry a valid SigV4 signature by one of these keys. */
  readonly accessKeys?: Readonly<Record<string, AccessKey>>;
  /** Access key id → principal ARN when SigV4 verification is off. */
  readonly principals?: Readonly<Record<string, string>>;
  /** YAML seed file applied (idempotently) at start, and again by `POST /_envelope/reset`. */
  readonly seedFile?: string;
  /** An already-parsed seed, applied after `seedFile`. */
  readonly seed?: SeedFile;
  /** Faults active from the start (the same shapes as `POST /_envelope/faults`), again after a reset. */
  readonly faults?: readonly unknown[];
  /**
   * Serve the admin API (`/_envelope/faults`, `/_envelope/reset`, `/_envelope/audit`, `/metrics`);
   * default true, behind SigV4 when `accessKeys` are given. Off: those paths answer 404.
   */
  readonly admin?: boolean;
  /**
   * How much of the audit log to keep; default {@link DEFAULT_AUDIT_RETENTION} on disk,
   * {@link DEFAULT_MEMORY_AUDIT_RETENTION} in memory.
   */
  readonly auditRetention?: AuditRetentionOptions;
  /** SQLite synchronous level; default {@link DEFAULT_SYNCHRONOUS}. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** Structured log sink (one record per request, plus start/stop). Default: silent. */
  readonly log?: (record: LogRecord) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** The AWS KMS JSON 1.1 endpoint's default port. */
export const DEFAULT_PORT = 4599;

/** What an endpoint is built from: the server's engine and settings. */
export interface EndpointContext {
  readonly engine: KmsEngine;
  readonly defaultRegion: string;
  readonly accountId: string;
  readonly log: (record: LogRecord) => void;
}

/** One more protocol endpoint for {@link createKmsServer}, built once the engine exists. */
export interface ServerEndpoint {
  readonly create: (context: EndpointContext) => ProtocolEndpoint;
  /** 0 picks a free port. */
  readonly port: number;
}

/** Where one endpoint listens. */
export interface ServerEndpointAddress {
  readonly url: string;
  readonly port: number;
  /** `azure-https`: the CA certificate (PEM) its TLS certificate chains to, for clients to trust. */
  readonly caCertPem?: string;
  /** `azure-https`: vault hosts are `https://<vault>.<vaultHostSuffix>`. */
  readonly vaultHostSuffix?: string;
}

export interface KmsServer {
  /** The AWS KMS JSON 1.1 endpoint (`endpoints['aws-json']`). */
  readonly url: string;
  readonly port: number;
  /** Every endpoint by name (`aws-json`, …), each on its own port. */
  readonly endpoints: Readonly<Record<string, ServerEndpointAddress>>;
  readonly engine: KmsEngine;
  /** Undefined in memory mode. */
  readonly dataDir: string | undefined;
  readonly faults: AwsFaults;
  /** The Azure face's CA certificate file (pass as NODE_EXTRA_CA_CERTS), when it is served. */
  readonly azureCaPath: string | undefined;
  /** Stops accepting connections, finishes in-flight requests, then closes the store. */
  close(): Promise<void>;
}

/**
 * The local KMS server: engine + durable storage + one listener per protocol endpoint (AWS JSON 1.1
 * over HTTP on `port`, plus `endpoints`).
 */
export async function createKmsServer(options: KmsServerOptions = {}): Promise<KmsServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const accountId = options.accountId ?? '111122223333';
  const defaultRegion = options.defaultRegion ?? 'us-east-1';
  const faultSpecs: FaultSpec[] = (options.faults ?? []).map(parseFaultSpec);
  const seeds = [
    ...(options.seedFile ? [{ file: options.seedFile, seed: loadSeedFile(options.seedFile) }] : []),
    ...(options.seed ? [{ file: '(inline seed)', seed: options.seed }] : []),
  ];

  const prepared = options.inMemory ? undefined : prepareDataDir(options.dataDir ?? defaultDataDir(env));
  const dataDir = prepared?.dir;
  if (prepared?.shared) {
    log({
      level: 'warn',
      msg: 'data dir is accessible to group or others; consider chmod 700',
      dataDir: prepared.dir,
    });
  }
  const rootKey = resolveRootKey({ ...options, env }, dataDir);
  if (rootKey.file && isSharedKeyFile(rootKey.file)) {
    log({
      level: 'warn',
      msg: 'root key file is readable by group or others; run chmod 600 on it',
      file: rootKey.file,
    });
  }
  let store: ResourceStore;
  if (dataDir) {
    const sqlite = new SqliteResourceStore(join(dataDir, DATABASE_FILE), {
      synchronous: options.synchronous ?? DEFAULT_SYNCHRONOUS,
      upgrades: [awsLegacySchemaUpgrade],
    });
    try {
      checkRootKeyMatches(dataDir, rootKey.key, () =>
        probeRootKey(rootKey.key, sqlite.list<KeyRecord>(AWS_KINDS.key, { limit: 16 }).records),
      );
    } catch (error) {
      sqlite.close();
      rootKey.key.fill(0);
      throw error;
    }
    store = sqlite;
  } else {
    store = new MemoryResourceStore();
  }
  // Without a log sink, no request line is built at all (nor the engine's fields for it).
  const requestLog = options.log ? new RequestLog(options.log) : undefined;
  const engine = new KmsEngine({
    store,
    rootKey: rootKey.key,
    defaultAccountId: accountId,
    auditRetention:
      options.auditRetention ?? (dataDir ? DEFAULT_AUDIT_RETENTION : DEFAULT_MEMORY_AUDIT_RETENTION),
  });
  rootKey.key.fill(0);

  // The core's one call observer feeds the request log (names, codes) and the metrics (status, time).
  const stopLogging = requestLog ? engine.core.observeCalls(requestLog.observeCall) : () => {};
  let stopObserving = stopLogging;
  try {
    for (const { file, seed } of seeds) {
      const summary = await applySeed(engine, seed, { file, defaultRegion, accountId });
      log({ level: 'info', msg: 'seed applied', file, ...summary });
    }
    for (const spec of faultSpecs) applyFault(engine.core.faults, spec);

    const accessKeys = options.accessKeys ? new Map(Object.entries(options.accessKeys)) : undefined;
    const host = options.host ?? '127.0.0.1';
    const hosts = new HostAllowList(host, options.allowedHosts);
    if (!isLoopback(host) && !accessKeys) {
      log({
        level: 'warn',
        msg:
          `LISTENING ON ${host} WITHOUT SIGV4: anyone who can reach this address acts as the root of ` +
          `account ${accountId} and can read, use and delete every key. Use --access-keys <file>, or ` +
          `listen on 127.0.0.1.`,
        host,
      });
    }
    const context: EndpointContext = { engine, defaultRegion, accountId, log };
    const gcpService = options.gcp ? new GcpKmsService(engine.core) : undefined;
    // `unauthenticated`: the endpoint admits every caller (GCP REST takes any token), so it must not
    // carry the admin API when SigV4 guards the AWS port, or the admin API would be open there.
    const endpoints: { endpoint: ProtocolEndpoint; port: number; unauthenticated?: boolean }[] = [
      {
        endpoint: awsJsonEndpoint(engine, {
          defaultRegion,
          ...(accessKeys ? { accessKeys } : {}),
          ...(options.principals ? { principals: options.principals } : {}),
        }),
        port: options.port ?? DEFAULT_PORT,
      },
      // Each optional protocol is loaded only when its port is enabled (start-up cost of the others).
      ...(gcpService && options.gcp?.restPort !== undefined
        ? [
            {
              endpoint: (
                await loadOptionalModule({
                  require: () => require('@envelope/kms-protocols/gcp-rest'),
                  import: () => import('@envelope/kms-protocols/gcp-rest'),
                })
              ).gcpRestEndpoint(gcpService),
              port: options.gcp.restPort,
              unauthenticated: true,
            },
          ]
        : []),
      ...(options.endpoints ?? []).map((spec) => ({ endpoint: spec.create(context), port: spec.port })),
    ];
    const metrics = new KmsMetrics();
    const stopMetrics = engine.core.observeCalls(metrics.observeCall);
    stopObserving = () => {
      stopMetrics();
      stopLogging();
    };
    const reset = stateReset({ engine, seeds, faults: faultSpecs, defaultRegion, accountId });
    const admin = adminRoutes({ core: engine.core, reset, metrics }, { admin: options.admin ?? true, hosts });
    let addresses: Record<string, ServerEndpointAddress> = {};
    const health = healthRoute();
    const discovery = endpointsRoute(() => addresses);
    const probes = (request: IncomingMessage, response: ServerResponse) =>
      health(request, response) || discovery(request, response);
    const listeners: RunningListener[] = [];
    const sidecars: ({ name: string; close(): Promise<void> } & ServerEndpointAddress)[] = [];
    let azure: AzureHttpsListener | undefined;
    requestLog?.serving();
    try {
      for (const { endpoint, port, unauthenticated } of endpoints) {
        listeners.push(
          await startListener(endpoint, {
            host,
            hosts,
            port,
            ...(options.limits ? { limits: options.limits } : {}),
            probes,
            ...(unauthenticated && accessKeys ? {} : { admin }),
            ...(options.log ? { log: options.log } : {}),
            observe: metrics.observeHttp,
            ...(requestLog ? { requestLog } : {}),
          }),
        );
      }
      if (gcpService && options.gcp?.grpcPort !== undefined) {
        // In the running module system: one copy of the emulator's error classes.
        const { startGcpGrpcListener } = await loadOptionalModule({
          require: () => require('@envelope/kms-protocols/gcp-grpc'),
          import: () => import('@envelope/kms-protocols/gcp-grpc'),
        });
        sidecars.push(await startGcpGrpcListener(gcpService, host, options.gcp.grpcPort));
      }
      if (options.azure) {
        const { createAzureHttpsListener } = await loadOptionalModule({
          require: () => require('./azure/https-listener.js'),
          import: () => import('./azure/https-listener.js'),
        });
        azure = await createAzureHttpsListener({
          service: new AzureKeyVaultService(engine.core),
          vaults: options.azure.vaults ?? [],
          ...(dataDir ? { tlsDir: join(dataDir, 'tls') } : {}),
          host,
          port: options.azure.port ?? 0,
        });
        const listener = azure;
        sidecars.push({
          name: 'azure-https',
          url: listener.proxyUrl,
          port: listener.port,
          // Public: a client given only the switch URL (possibly in another container) can trust it.
          caCertPem: listener.caCertPem,
          vaultHostSuffix: listener.vaultHostSuffix,
          close: () => listener.close(),
        });
      }
    } catch (error) {
      await Promise.all([...listeners, ...sidecars].map((listener) => listener.close()));
      log({ level: 'info', msg: 'stopped' });
      throw error;
    }
    addresses = Object.fromEntries([
      ...listeners.map(({ name, url, port }) => [name, { url, port }]),
      // No CA file path: GET /_envelope/endpoints is unauthenticated, and a client needs only the PEM
      // (the server's own process has it as `azureCaPath`).
      ...sidecars.map(({ name, url, port, caCertPem, vaultHostSuffix }) => [
        name,
        { url, port, ...(caCertPem ? { caCertPem, vaultHostSuffix } : {}) },
      ]),
    ]);
    const aws = listeners[0]!;
    log({
      level: 'info',
      msg: 'kms server ready',
      url: aws.url,
      // The CA certificate is for clients; the log names its file.
      endpoints: Object.fromEntries(
        Object.entries(addresses).map(([name, { url, port }]) => [name, { url, port }]),
      ),
      ...(azure ? { azureCaPath: azure.caPath } : {}),
      storage: dataDir ? 'sqlite' : 'memory',
      dataDir: dataDir ?? null,
      rootKeySource: rootKey.source,
      sigv4: accessKeys !== undefined,
      defaultRegion,
      accountId,
    });
    let closing: Promise<void> | undefined;
    return {
      url: aws.url,
      port: aws.port,
      endpoints: addresses,
      engine,
      dataDir,
      faults: engine.faults,
      azureCaPath: azure?.caPath,
      close: () =>
        (closing ??= Promise.all([...listeners, ...sidecars].map((listener) => listener.close()))
          .then(() => {})
          .finally(() => {
            stopObserving();
            engine.close();
            // Once for the whole server, not once per listener (each used to log its own).
            log({ level: 'info', msg: 'stopped' });
          })),
    };
  } catch (error) {
    stopObserving();
    engine.close();
    throw error;
  }
}
