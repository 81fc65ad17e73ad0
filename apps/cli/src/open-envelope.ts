import { createEnvelope, type Envelope } from '@envelope/config';
import { loadOptionalModule } from '@envelope/core';

/**
 * Keyring packages bundled into the CLI. Literal specifiers, so esbuild bundles them; each still
 * initialises only when a config names one of its types (a raw-aes config never loads the AWS SDK).
 * Loaded in the running module system (`require` under tsx and in the bundle, which defines it), so
 * the package shares this process's instances of core's error classes, which pick the exit code.
 */
const BUNDLED_PACKAGES: Readonly<Record<string, () => Promise<unknown>>> = {
  '@envelope/aws-kms': () =>
    loadOptionalModule({
      require: () => require('@envelope/aws-kms'),
      import: () => import('@envelope/aws-kms'),
    }),
  '@envelope/gcp-kms': () =>
    loadOptionalModule({
      require: () => require('@envelope/gcp-kms'),
      import: () => import('@envelope/gcp-kms'),
    }),
  '@envelope/azure-keyvault': () =>
    loadOptionalModule({
      require: () => require('@envelope/azure-keyvault'),
      import: () => import('@envelope/azure-keyvault'),
    }),
};

/** The Envelope a command's `--config` describes. */
export function openEnvelope(configFile: string): Promise<Envelope> {
  return createEnvelope({
    configFile,
    importPackage: (name) => BUNDLED_PACKAGES[name]?.() ?? import(name),
  });
}
