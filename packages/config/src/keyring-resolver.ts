import {
  ConfigError,
  type EmulatorTarget,
  formatIssuePath,
  InvalidArgumentError,
  KEYRING_ADAPTER,
  type Keyring,
  type KeyringAdapter,
  type KeyringAdapterContext,
  type KeyringPackage,
  type StandardSchema,
} from '@envelope/core';
import type { Container, ContainerModule } from 'inversify';
import {
  importByName,
  importKeyringPackage,
  KEYRING_PACKAGES,
  keyringPackageName,
} from './keyring-packages.js';
import { readSecret } from './read-secret.js';
import { keyringConfig } from './schema.js';

export interface ResolverSettings {
  readonly file: string;
  readonly env: NodeJS.ProcessEnv;
  readonly emulator: EmulatorTarget | undefined;
  /** Keyring packages already imported: registered now, never imported by name. */
  readonly packages?: readonly KeyringPackage[];
  /** `type` → package entries added to (or overriding) {@link KEYRING_PACKAGES}. */
  readonly keyringPackages?: Readonly<Record<string, string>>;
  /** Imports a package by name; default `import(name)`. */
  readonly importPackage?: (name: string) => Promise<unknown>;
}

/**
 * Turns `keyring:` config into a Keyring through the adapters registered in the container. A type
 * no adapter has yet is looked up in the package table, and its package imported and registered
 * then; with the emulator switch on, that package's emulator hook gives its clients' settings.
 */
export class KeyringResolver {
  readonly #container: Container;
  readonly #table: Readonly<Record<string, string>>;
  #adapters: ReadonlyMap<string, KeyringAdapter> = new Map();
  readonly #packageOfType = new Map<string, KeyringPackage>();
  readonly #imports = new Map<string, Promise<KeyringPackage>>();
  readonly #emulatorClients = new Map<KeyringPackage, Promise<Readonly<Record<string, unknown>>>>();

  constructor(
    container: Container,
    private readonly settings: ResolverSettings,
  ) {
    this.#container = container;
    this.#table = { ...KEYRING_PACKAGES, ...settings.keyringPackages };
    for (const keyringPackage of settings.packages ?? []) this.#register(keyringPackage);
    this.#refresh();
  }

  /** The types registered so far (built in, given, or from packages already loaded). */
  get types(): readonly string[] {
    return [...this.#adapters.keys()].sort();
  }

  async resolve(config: unknown, path: readonly string[]): Promise<Keyring> {
    const { file } = this.settings;
    const parsed = keyringConfig.safeParse(config);
    if (!parsed.success) {
      throw new ConfigError(`${file}: ${formatIssuePath(path)}: expected a keyring object with a 'type'.`);
    }
    const { type } = parsed.data;
    const adapter = this.#adapters.get(type) ?? (await this.#load(type, path));
    const context = this.#context(path, await this.#emulatorClient(type));
    const options = await context.validate(adapter.schema, parsed.data);
    try {
      return await adapter.create(options, context);
    } catch (error) {
      // A keyring refusing its options (a 5-byte AES key, a reserved namespace) is a config mistake:
      // say which file and which keyring in it, so the CLI reports it as one (exit code 3).
      if (error instanceof InvalidArgumentError) {
        throw new ConfigError(`${file}: ${formatIssuePath(path)}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  /** Imports the package that provides `type` (once, however many keyrings name it) and registers it. */
  async #load(type: string, path: readonly string[]): Promise<KeyringAdapter> {
    const where = `${this.settings.file}: ${formatIssuePath([...path, 'type'])}`;
    const name = keyringPackageName(type, this.#table);
    if (name === undefined) {
      const onDemand = Object.entries(this.#table)
        .map(([entry, pkg]) => `${entry}* (${pkg})`)
        .sort();
      throw new ConfigError(
        `${where}: unknown keyring type '${type}'; registered types: ${this.types.join(', ')}; from packages: ${onDemand.join(', ')}.`,
      );
    }
    let loading = this.#imports.get(name);
    if (!loading) {
      loading = importKeyringPackage(
        name,
        this.settings.importPackage ?? importByName,
        `${where}: '${type}'`,
      );
      this.#imports.set(name, loading);
      this.#register(await loading);
      this.#refresh();
    }
    const keyringPackage = await loading;
    const adapter = this.#adapters.get(type);
    if (!adapter) {
      throw new ConfigError(
        `${where}: the package ${name} has no keyring type '${type}'; it provides ${keyringPackage.types.join(', ')}.`,
      );
    }
    return adapter;
  }

  #register(keyringPackage: KeyringPackage): void {
    // Typed by shape in core (no DI library there); it is an inversify ContainerModule.
    this.#container.load(keyringPackage.containerModule as ContainerModule);
    for (const type of keyringPackage.types) this.#packageOfType.set(type, keyringPackage);
  }

  #refresh(): void {
    const adapters = new Map<string, KeyringAdapter>();
    for (const adapter of this.#container.getAll<KeyringAdapter>(KEYRING_ADAPTER)) {
      if (adapters.has(adapter.type)) {
        throw new ConfigError(
          `Two adapters registered keyring type '${adapter.type}'; each type needs one adapter.`,
        );
      }
      adapters.set(adapter.type, adapter);
    }
    this.#adapters = adapters;
  }

  /** The package's emulator hook, called once per package, only with the switch on. */
  async #emulatorClient(type: string): Promise<Readonly<Record<string, unknown>> | undefined> {
    const { emulator } = this.settings;
    const keyringPackage = this.#packageOfType.get(type);
    if (!emulator || !keyringPackage) return undefined;
    let settings = this.#emulatorClients.get(keyringPackage);
    if (!settings) {
      settings = keyringPackage.emulatorClient(emulator);
      this.#emulatorClients.set(keyringPackage, settings);
    }
    return settings;
  }

  #context(
    path: readonly string[],
    emulatorClient: Readonly<Record<string, unknown>> | undefined,
  ): KeyringAdapterContext {
    const { file, env, emulator } = this.settings;
    return {
      path,
      emulator,
      emulatorClient,
      resolveKeyring: (config, at) => this.resolve(config, at),
      readSecret: (source, at) => readSecret(source, at, file, env),
      validate: async <T>(schema: StandardSchema<T>, value: unknown): Promise<T> => {
        const result = await schema['~standard'].validate(value);
        if (!result.issues) return result.value;
        throw new ConfigError(
          result.issues
            .map((issue) => {
              const sub = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p));
              return `${file}: ${formatIssuePath([...path, ...sub])}: ${issue.message}`;
            })
            .join('\n'),
        );
      },
    };
  }
}
