export { coreKeyringsModule, multiAdapter, rawAesAdapter, rawRsaAdapter } from './adapters/core-keyrings.js';
export {
  EMULATOR_PROVIDER_ID,
  emulatorKeyringAdapter,
  emulatorKeyringModule,
} from './adapters/emulator-keyring.js';
export {
  type CreateEnvelopeOptions,
  createContainer,
  createEnvelope,
  type DecryptCallOptions,
  type EncryptCallOptions,
  type Envelope,
} from './create-envelope.js';
export {
  EMULATOR_CREDENTIALS,
  emulatorServerTarget,
  inProcessEmulatorTarget,
  resolveEmulatorTarget,
} from './emulator-target.js';
export { interpolate } from './interpolate.js';
export { KeyringResolver } from './keyring-resolver.js';
export { type LoadedConfig, loadConfigFile, parseConfig } from './load-config.js';
export { type EnvelopeConfig, envelopeConfig, type KeyringConfig, type SecretSource } from './schema.js';
export { type SharedEmulator, sharedEmulator } from './shared-emulator.js';
