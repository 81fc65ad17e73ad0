import {
  ConfigError,
  type EmulatorTarget,
  formatIssuePath,
  InvalidArgumentError,
  KEYRING_ADAPTER,
  type Keyring,
  type KeyringAdapter,
  type KeyringAdapterContext,
  type StandardSchema,
} from '@envelope/core';
import type { Container } from 'inversify';
import { readSecret } from './read-secret.js';
import { keyringConfig } from './schema.js';

export interface ResolverSettings {
  readonly file: string;
  readonly env: NodeJS.ProcessEnv;
  readonly emulator: EmulatorTarget | undefined;
}

/** Turns `keyring:` config into a Keyring through the adapters registered in the container. */
export class KeyringResolver {
  readonly #adapters: ReadonlyMap<string, KeyringAdapter>;

  constructor(
    container: Container,
    private readonly settings: ResolverSettings,
  ) {
    const adapters = new Map<string, KeyringAdapter>();
    for (const adapter of container.getAll<KeyringAdapter>(KEYRING_ADAPTER)) {
      if (adapters.has(adapter.type)) {
        throw new ConfigError(
          `Two adapters registered keyring type '${adapter.type}'; each type needs one adapter.`,
        );
      }
      adapters.set(adapter.type, adapter);
    }
    this.#adapters = adapters;
  }

  get types(): readonly string[] {
    return [...this.#adapters.keys()].sort();
  }

  async resolve(config: unknown, path: readonly string[]): Promise<Keyring> {
    const { file } = this.settings;
    const parsed = keyringConfig.safeParse(config);
    if (!parsed.success) {
      throw new ConfigError(`${file}: ${formatIssuePath(path)}: expected a keyring object with a 'type'.`);
    }
    const adapter = this.#adapters.get(parsed.data.type);
    if (!adapter) {
      throw new ConfigError(
        `${file}: ${formatIssuePath([...path, 'type'])}: unknown keyring type '${parsed.data.type}'; registered types: ${this.types.join(', ')}.`,
      );
    }
    try {
      return await adapter.create(parsed.data, this.#context(path));
    } catch (error) {
      // A keyring refusing its options (a 5-byte AES key, a reserved namespace) is a config mistake:
      // say which file and which keyring in it, so the CLI reports it as one (exit code 3).
      if (error instanceof InvalidArgumentError) {
        throw new ConfigError(`${file}: ${formatIssuePath(path)}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  #context(path: readonly string[]): KeyringAdapterContext {
    const { file, env, emulator } = this.settings;
    return {
      path,
      emulator,
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
