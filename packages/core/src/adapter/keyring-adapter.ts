import type { Keyring } from '../keyrings/keyring.js';
import type { EmulatorTarget } from './emulator-target.js';

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

export interface KeyringAdapterContext {
  /** Validates this keyring's options; errors name the config file and the path in it. */
  validate<T>(schema: StandardSchema<T>, value: unknown): Promise<T>;
  /** Builds a nested keyring (for keyrings that hold others, like `multi`). */
  resolveKeyring(config: unknown, path: readonly string[]): Promise<Keyring>;
  /** Reads key material from a `{ file }` or `{ env }` source. The caller zero-fills it. */
  readSecret(source: unknown, path: readonly string[]): Promise<Buffer>;
  /** Where the config's emulator switch points, or undefined when it is off. */
  readonly emulator: EmulatorTarget | undefined;
  /**
   * With the switch on: the SDK client settings that the emulator hook of this adapter's package
   * ({@link KeyringPackage.emulatorClient}) returned; spread them over the client's own settings.
   * Undefined when the switch is off, or for an adapter registered without its package.
   */
  readonly emulatorClient: Readonly<Record<string, unknown>> | undefined;
  /** This keyring's location in the config, for messages: e.g. `keyring.children[1]`. */
  readonly path: readonly string[];
}

/** Builds keyrings of one `type` from configuration. */
export interface KeyringAdapter<Options = unknown> {
  readonly type: string;
  readonly description: string;
  /** The options of this type (the whole keyring object, `type` included); config validates with it. */
  readonly schema: StandardSchema<Options>;
  /** Builds the keyring from options `schema` accepted. */
  create(options: Options, context: KeyringAdapterContext): Promise<Keyring>;
}
