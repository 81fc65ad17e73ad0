import type { Keyring } from './keyring.js';

/**
 * The service identifier under which adapter packages register their {@link KeyringAdapter}s in the
 * dependency-injection container (`@envelope/config` builds it). A symbol from the global registry,
 * so third-party packages can register without importing `@envelope/config`.
 */
export const KEYRING_ADAPTER: unique symbol = Symbol.for('@envelope/KeyringAdapter') as never;

/** Any Standard Schema (zod, valibot, arktype …): adapters validate their own options with it. */
export interface StandardSchema<Output> {
  readonly '~standard': {
    validate(value: unknown): StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  };
}
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: ReadonlyArray<{
        readonly message: string;
        readonly path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
      }>;
    };

/** Where an adapter's keyring should send its calls when the config's `emulator` switch is on. */
export interface EmulatorTarget {
  /** A running emulator server, or undefined for the in-process emulator. */
  readonly url: string | undefined;
  /**
   * Client settings that route one backend (`aws-kms`, `gcp-kms`, `azure-keyvault`) to the
   * emulator: for AWS, `{ endpoint, credentials }` or `{ requestHandler, credentials }`.
   */
  clientOverrides(backend: string): Record<string, unknown>;
}

export interface KeyringAdapterContext {
  /** Validates this keyring's options; errors name the config file and the path in it. */
  validate<T>(schema: StandardSchema<T>, value: unknown): Promise<T>;
  /** Builds a nested keyring (for keyrings that hold others, like `multi`). */
  resolveKeyring(config: unknown, path: readonly string[]): Promise<Keyring>;
  /** Reads key material from a `{ file }` or `{ env }` source. The caller zero-fills it. */
  readSecret(source: unknown, path: readonly string[]): Promise<Buffer>;
  readonly emulator: EmulatorTarget | undefined;
  /** This keyring's location in the config, for messages: e.g. `keyring.children[1]`. */
  readonly path: readonly string[];
}

/** Builds keyrings of one `type` from configuration. */
export interface KeyringAdapter {
  readonly type: string;
  readonly description: string;
  create(options: Readonly<Record<string, unknown>>, context: KeyringAdapterContext): Promise<Keyring>;
}
