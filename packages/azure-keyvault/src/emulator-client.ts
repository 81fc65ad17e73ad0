import type { EmulatorTarget } from '@envelope/core';
import type { HsmCore } from '@envelope/kms-emulator';
import { EmulatorCredential } from './emulator-credential.js';

/**
 * The Azure emulator hook: `{ credential, clientOptions }` that reach the emulator's Key Vault face.
 * In-process, the SDK's `httpClient` answers from an `AzureKeyVaultService` over the shared engine's
 * HSM core (no socket) and the credential makes the emulator's token; the emulator packages are
 * imported only here. A server target names only the AWS endpoint, so it yields no settings and the
 * adapter refuses, saying to use `azureClientOptions` with the server's HTTPS port instead.
 */
export async function azureEmulatorClient(
  target: EmulatorTarget,
): Promise<Readonly<Record<string, unknown>>> {
  if (target.url !== undefined) return {};
  // `require` where this module runs as CommonJS (tsx under mocha), so the service and the engine
  // share one copy of the emulator's modules; `import()` in ES modules.
  const emulator =
    typeof require === 'function'
      ? (require('@envelope/kms-emulator') as typeof import('@envelope/kms-emulator'))
      : await import('@envelope/kms-emulator');
  const protocols =
    typeof require === 'function'
      ? (require('@envelope/kms-protocols/azure-rest') as typeof import('@envelope/kms-protocols/azure-rest'))
      : await import('@envelope/kms-protocols/azure-rest');
  const core = (target.engine as { core: HsmCore }).core;
  const service = new emulator.AzureKeyVaultService(core);
  return {
    credential: new EmulatorCredential(),
    clientOptions: { httpClient: new protocols.AzureInProcessHttpClient(service) },
  };
}
