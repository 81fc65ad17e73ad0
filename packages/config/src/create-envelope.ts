import type { Duplex } from 'node:stream';
import {
  CachingMaterialsManager,
  type DecryptOptions,
  type DecryptResult,
  DefaultMaterialsManager,
  decrypt,
  decryptFile,
  decryptStream,
  type EmulatorTarget,
  type EncryptFileResult,
  type EncryptionContext,
  type EncryptOptions,
  type EncryptResult,
  encrypt,
  encryptFile,
  encryptStream,
  type FileProgressOptions,
  type Keyring,
  type KeyringPackage,
  type MaterialsManager,
  type MessageHeader,
  RequiredEncryptionContextMaterialsManager,
} from '@envelope/core';
import { Container, type ContainerModule } from 'inversify';
import { coreKeyringsModule } from './adapters/core-keyrings.js';
import { resolveEmulatorTarget } from './emulator-target.js';
import { KeyringResolver } from './keyring-resolver.js';
import { loadConfigFile, parseConfig } from './load-config.js';
import type { EnvelopeConfig } from './schema.js';

export interface CreateEnvelopeOptions {
  /** `envelope.yaml` or `envelope.json`; default (also for an empty string) `envelope.yaml`. */
  readonly configFile?: string;
  /** Config text instead of a file (YAML or JSON); `configName` names it in errors. */
  readonly configText?: string;
  readonly configName?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Extra container modules, e.g. a third party's keyring adapters. */
  readonly modules?: readonly ContainerModule[];
  /**
   * Keyring packages already imported (their `keyringPackage` export): registered at once, with
   * their emulator hooks, instead of being imported when the config names one of their types.
   */
  readonly packages?: readonly KeyringPackage[];
  /**
   * More `type` → package entries for loading on demand (an entry covers `type-…` variants too),
   * beside the built-in ones (`aws-kms` → `@envelope/aws-kms`, `gcp-kms` → `@envelope/gcp-kms` …).
   */
  readonly keyringPackages?: Readonly<Record<string, string>>;
  /**
   * Imports a keyring package by name; default `import(name)` from `@envelope/config`. A bundled
   * application passes one with literal `import('@envelope/aws-kms')` so its bundler sees them.
   */
  readonly importPackage?: (name: string) => Promise<unknown>;
  /** Overrides the config's `emulator` switch with an explicit target. */
  readonly emulator?: EmulatorTarget;
}

export interface EncryptCallOptions {
  readonly encryptionContext?: EncryptionContext;
  readonly plaintextLength?: number;
  /** Frames on worker threads (see @envelope/core's `parallel` option). */
  readonly parallel?: EncryptOptions['parallel'];
}

export interface DecryptCallOptions {
  readonly requiredEncryptionContext?: EncryptionContext;
  /** The reproduced encryption context: must include the pairs of `requiredEncryptionContextKeys`. */
  readonly encryptionContext?: EncryptionContext;
  readonly releasePlaintext?: DecryptOptions['releasePlaintext'];
  /** Frames on worker threads (see @envelope/core's `parallel` option). */
  readonly parallel?: DecryptOptions['parallel'];
}

/** A file → file encrypt's options: those of every call, and `onProgress` (see @envelope/core's `encryptFile`). */
export interface EncryptFileCallOptions extends EncryptCallOptions, FileProgressOptions {}

/** A file → file decrypt's options: those of every call, and `onProgress` (see @envelope/core's `decryptFile`). */
export interface DecryptFileCallOptions extends DecryptCallOptions, FileProgressOptions {}

/** An application's encryption entry points, configured entirely by `envelope.yaml`. */
export interface Envelope {
  readonly config: EnvelopeConfig;
  readonly keyring: Keyring;
  readonly materialsManager: MaterialsManager;
  /** Where every keyring was pointed when the emulator switch is on (a server URL or the in-process engine). */
  readonly emulator: EmulatorTarget | undefined;
  encrypt(plaintext: Uint8Array | string, options?: EncryptCallOptions): Promise<EncryptResult>;
  decrypt(ciphertext: Uint8Array, options?: DecryptCallOptions): Promise<DecryptResult>;
  encryptStream(options?: EncryptCallOptions): Duplex;
  decryptStream(options?: DecryptCallOptions): Duplex;
  /** File → file; with `parallel`, the file mode (see @envelope/core's `encryptFile`). */
  encryptFile(input: string, output: string, options?: EncryptFileCallOptions): Promise<EncryptFileResult>;
  /** File → file; the output exists only once the whole message authenticated (see `decryptFile`). */
  decryptFile(
    input: string,
    output: string,
    options?: DecryptFileCallOptions,
  ): Promise<{ readonly header: MessageHeader }>;
}

/**
 * The container every Envelope resolves from: the keyrings built into core plus any modules the
 * caller adds; keyring packages are loaded into it when a config names their types.
 */
export function createContainer(modules: readonly ContainerModule[] = []): Container {
  const container = new Container();
  for (const module of [coreKeyringsModule, ...modules]) container.load(module);
  return container;
}

export async function createEnvelope(options: CreateEnvelopeOptions): Promise<Envelope> {
  const env = options.env ?? process.env;
  const { file, config } = await readConfig(options, env);
  const emulator = options.emulator ?? (await resolveEmulatorTarget(config.emulator, env, file));
  const resolver = new KeyringResolver(createContainer(options.modules), {
    file,
    env,
    emulator,
    ...(options.packages ? { packages: options.packages } : {}),
    ...(options.keyringPackages ? { keyringPackages: options.keyringPackages } : {}),
    ...(options.importPackage ? { importPackage: options.importPackage } : {}),
  });
  const keyring = await resolver.resolve(config.keyring, ['keyring']);
  const baseManager: MaterialsManager = config.cache
    ? new CachingMaterialsManager({ keyring, ...config.cache })
    : new DefaultMaterialsManager(keyring);
  const materialsManager: MaterialsManager = config.requiredEncryptionContextKeys
    ? new RequiredEncryptionContextMaterialsManager({
        materialsManager: baseManager,
        requiredEncryptionContextKeys: config.requiredEncryptionContextKeys,
      })
    : baseManager;

  const encryptOptions = (call: EncryptCallOptions = {}): EncryptOptions => ({
    materialsManager,
    ...(config.suite !== undefined ? { suiteId: config.suite } : {}),
    ...(config.frameLength !== undefined ? { frameLength: config.frameLength } : {}),
    ...(config.commitmentPolicy ? { commitmentPolicy: config.commitmentPolicy } : {}),
    ...call,
  });
  const decryptOptions = (call: DecryptCallOptions = {}): DecryptOptions => ({
    materialsManager,
    ...(config.commitmentPolicy ? { commitmentPolicy: config.commitmentPolicy } : {}),
    ...call,
    requiredEncryptionContext: { ...config.requiredEncryptionContext, ...call.requiredEncryptionContext },
  });

  return {
    config,
    keyring,
    materialsManager,
    emulator,
    encrypt: (plaintext, call) => encrypt(plaintext, encryptOptions(call)),
    decrypt: (ciphertext, call) => decrypt(ciphertext, decryptOptions(call)),
    encryptStream: (call) => encryptStream(encryptOptions(call)),
    decryptStream: (call) => decryptStream(decryptOptions(call)),
    // `...call` in encryptOptions/decryptOptions carries the file calls' onProgress through to core.
    encryptFile: (input, output, call) => encryptFile(input, output, encryptOptions(call)),
    decryptFile: (input, output, call) => decryptFile(input, output, decryptOptions(call)),
  };
}

async function readConfig(options: CreateEnvelopeOptions, env: NodeJS.ProcessEnv) {
  if (options.configText !== undefined) {
    const file = options.configName ?? 'envelope.yaml';
    return { file, config: parseConfig(options.configText, file, env) };
  }
  // An empty name (ENVELOPE_CONFIG= in a shell) means none given, not the working directory.
  return loadConfigFile(options.configFile || 'envelope.yaml', env);
}
