import type { EmulatorTarget } from './emulator-target.js';

/**
 * An inversify `ContainerModule`, typed by shape: core depends on no DI library. `@envelope/config`
 * loads it into its container, where it binds {@link KeyringAdapter}s under `KEYRING_ADAPTER`.
 */
export interface KeyringContainerModule {
  readonly id: number;
}

/**
 * What a keyring package (`@envelope/aws-kms`, `@envelope/gcp-kms` …) exports as `keyringPackage`,
 * so `@envelope/config` can load it by dynamic import when a config names one of its types.
 */
export interface KeyringPackage {
  /** The npm package name, e.g. `@envelope/aws-kms`. */
  readonly name: string;
  /** The config `type`s its container module registers, e.g. `aws-kms`, `aws-kms-discovery`. */
  readonly types: readonly string[];
  /** Registers one {@link KeyringAdapter} (type, schema, factory) per entry of `types`. */
  readonly containerModule: KeyringContainerModule;
  /**
   * The emulator hook: SDK client settings that send this package's calls to `target` (an endpoint
   * for a server; an in-process transport, imported only now, for the in-process engine). Called
   * once per Envelope, and only when the emulator switch is on.
   */
  emulatorClient(target: EmulatorTarget): Promise<Readonly<Record<string, unknown>>>;
}
