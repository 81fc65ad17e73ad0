import {
  ConfigError,
  type EmulatorTarget,
  type KeyringAdapterContext,
  loadOptionalModule,
} from '@envelope/core';
import type { KmsEngine } from '@envelope/kms-emulator';
import type { KmsRequestHandler } from '@envelope/kms-protocols/aws-json';

/** Credentials the emulator accepts when SigV4 verification is off; never real AWS credentials. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'ENVELOPEEMULATOR', secretAccessKey: 'envelope-emulator' };

/**
 * The AWS emulator hook: `@aws-sdk/client-kms` settings that reach `target`. A server gets its
 * endpoint; the in-process engine gets a `requestHandler` (the real SDK pipeline, no socket), whose
 * transport is imported only here, so an application that never turns the emulator on never loads it.
 */
export async function awsEmulatorClient(target: EmulatorTarget): Promise<Readonly<Record<string, unknown>>> {
  if (target.url !== undefined) return { endpoint: target.url, credentials: EMULATOR_CREDENTIALS };
  // In the running module system, so the transport and the engine share one copy of the emulator's
  // modules (its error classes).
  const { createKmsRequestHandler } = await loadOptionalModule({
    require: () => require('@envelope/kms-protocols/aws-json'),
    import: () => import('@envelope/kms-protocols/aws-json'),
  });
  // The SDK keeps the requestHandler it was given: this one forwards each call to whichever engine
  // is current, so clients made before a shared-emulator reset reach the new engine.
  const handlers = new WeakMap<object, KmsRequestHandler>();
  const current = (): KmsRequestHandler => {
    const engine = target.engine;
    let handler = handlers.get(engine);
    if (!handler) {
      handler = createKmsRequestHandler(engine as KmsEngine);
      handlers.set(engine, handler);
    }
    return handler;
  };
  const requestHandler = {
    metadata: { handlerProtocol: 'envelope-in-process' },
    handle: (...args: Parameters<KmsRequestHandler['handle']>) => current().handle(...args),
    updateHttpClientConfig(): void {},
    httpHandlerConfigs: () => ({}),
    destroy(): void {},
  };
  // maxAttempts 1: faults injected in the emulator surface at once, and the keyring's own retry
  // (with back-off and jitter) is what handles throttling.
  return { requestHandler, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 };
}

/**
 * The client settings a keyring adds for the emulator. With the switch on but no settings (the
 * adapters registered by `modules` instead of through `keyringPackage`), it refuses rather than
 * letting a test's keyring call real AWS KMS.
 */
export function emulatorClientSettings(context: KeyringAdapterContext): Readonly<Record<string, unknown>> {
  if (context.emulator && !context.emulatorClient) {
    throw new ConfigError(
      'the emulator switch is on, but @envelope/aws-kms was registered without its emulator hook: pass its `keyringPackage` (createEnvelope({ packages: [keyringPackage] })) instead of `awsKmsModule`.',
    );
  }
  return context.emulatorClient ?? {};
}
