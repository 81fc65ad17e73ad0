export { coreKeyringsModule, multiAdapter, rawAesAdapter, rawRsaAdapter } from './adapters/core-keyrings.js';
export {
  type CreateEnvelopeOptions,
  createContainer,
  createEnvelope,
  type DecryptCallOptions,
  type DecryptFileCallOptions,
  type EncryptCallOptions,
  type EncryptFileCallOptions,
  type Envelope,
} from './create-envelope.js';
export {
  emulatorServerTarget,
  emulatorUrlOf,
  emulatorVariable,
  inProcessEmulatorTarget,
  resolveEmulatorTarget,
} from './emulator-target.js';
export { interpolate } from './interpolate.js';
export { KEYRING_PACKAGES, keyringPackageName } from './keyring-packages.js';
export { KeyringResolver, type ResolverSettings } from './keyring-resolver.js';
export { type LoadedConfig, loadConfigFile, parseConfig } from './load-config.js';
export { type EnvelopeConfig, envelopeConfig, type KeyringConfig, type SecretSource } from './schema.js';
