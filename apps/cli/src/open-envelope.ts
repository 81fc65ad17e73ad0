import { createEnvelope, type Envelope } from '@envelope/config';

/**
 * Keyring packages bundled into the CLI. Literal specifiers, so esbuild bundles them; each still
 * initialises only when a config names one of its types (a raw-aes config never loads the AWS SDK).
 * `require` where this code runs as CommonJS (tsx under mocha; the bundle defines it), so the
 * package shares this process's instances of core's error classes, which pick the exit code.
 */
const BUNDLED_PACKAGES: Readonly<Record<string, () => Promise<unknown>>> = {
  '@envelope/aws-kms': async () =>
    typeof require === 'function' ? require('@envelope/aws-kms') : import('@envelope/aws-kms'),
  '@envelope/gcp-kms': async () =>
    typeof require === 'function' ? require('@envelope/gcp-kms') : import('@envelope/gcp-kms'),
  '@envelope/azure-keyvault': async () =>
    typeof require === 'function' ? require('@envelope/azure-keyvault') : import('@envelope/azure-keyvault'),
};

/** The Envelope a command's `--config` describes. */
export function openEnvelope(configFile: string): Promise<Envelope> {
  return createEnvelope({
    configFile,
    importPackage: (name) => BUNDLED_PACKAGES[name]?.() ?? import(name),
  });
}
