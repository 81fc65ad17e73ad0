import type { EmulatorTarget } from '@envelope/core';
import type { HsmCore } from '@envelope/kms-emulator';

/**
 * The GCP emulator hook: settings that reach the emulator's Cloud KMS face. In-process, a
 * `@google-cloud/kms` client on its REST transport whose auth client answers from a `GcpKmsService`
 * over the shared engine's HSM core (no socket); the emulator packages are imported only here. A server
 * target names only the AWS endpoint, so it yields no settings and the adapter refuses with a message
 * saying so (point the keyring at the server's Cloud KMS port with `endpoint` + `transport` instead).
 */
export async function gcpEmulatorClient(target: EmulatorTarget): Promise<Readonly<Record<string, unknown>>> {
  if (target.url !== undefined) return {};
  // `require` where this module runs as CommonJS (tsx under mocha), so the service and the engine
  // share one copy of the emulator's modules; `import()` in ES modules.
  const emulator =
    typeof require === 'function'
      ? (require('@envelope/kms-emulator') as typeof import('@envelope/kms-emulator'))
      : await import('@envelope/kms-emulator');
  const protocols =
    typeof require === 'function'
      ? (require('@envelope/kms-protocols') as typeof import('@envelope/kms-protocols'))
      : await import('@envelope/kms-protocols');
  const { KeyManagementServiceClient } = await import('@google-cloud/kms');
  const core = (target.engine as { core: HsmCore }).core;
  const client = new KeyManagementServiceClient({
    fallback: 'rest',
    universeDomain: 'googleapis.com',
    authClient: new protocols.GcpInProcessAuthClient(new emulator.GcpKmsService(core)) as never,
  });
  return { client };
}
