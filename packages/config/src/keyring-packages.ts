import { ConfigError, isModuleNotFound, type KeyringPackage, loadOptionalModule } from '@envelope/core';

/**
 * Keyring types that live in packages of their own, loaded by dynamic import when a config names
 * them: an entry covers its type and that type's variants (`aws-kms` also `aws-kms-discovery`, …).
 * Only package names here: what a type means, and how it reaches the emulator, is the package's.
 */
export const KEYRING_PACKAGES: Readonly<Record<string, string>> = {
  'aws-kms': '@envelope/aws-kms',
  emulator: '@envelope/aws-kms',
  'gcp-kms': '@envelope/gcp-kms',
  'azure-keyvault': '@envelope/azure-keyvault',
};

/** The package that provides `type`: an exact entry, else the longest entry `type` extends with `-…`. */
export function keyringPackageName(
  type: string,
  table: Readonly<Record<string, string>>,
): string | undefined {
  if (Object.hasOwn(table, type)) return table[type];
  const family = Object.keys(table)
    .filter((entry) => type.startsWith(`${entry}-`))
    .sort((a, b) => b.length - a.length)[0];
  return family === undefined ? undefined : table[family];
}

/**
 * Imports a package as `@envelope/config` resolves it (the application's copy, through the optional
 * peer), in the running module system ({@link loadOptionalModule}), so that the package and the
 * application share one instance of every module (error classes, the shared emulator).
 */
export const importByName = (name: string): Promise<unknown> =>
  loadOptionalModule<unknown>({ require: () => require(name), import: () => import(name) });

/**
 * Imports `name` and returns its `keyringPackage` export. A package that is not installed is a
 * ConfigError naming the package to install; `where` says which config entry needed it.
 */
export async function importKeyringPackage(
  name: string,
  importPackage: (name: string) => Promise<unknown>,
  where: string,
): Promise<KeyringPackage> {
  let exports: unknown;
  try {
    exports = await importPackage(name);
  } catch (cause) {
    if (isModuleNotFound(cause, name)) {
      throw new ConfigError(
        `${where} comes from the package ${name}, which is not installed; install it beside @envelope/config (npm i ${name}).`,
        { cause },
      );
    }
    throw new ConfigError(
      `${where} comes from the package ${name}, which failed to load: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const found = (exports as { keyringPackage?: unknown } | undefined)?.keyringPackage;
  if (!isKeyringPackage(found)) {
    throw new ConfigError(
      `${where} comes from the package ${name}, but it exports no keyringPackage { name, types, containerModule, emulatorClient }; install a version of ${name} made for this @envelope/config.`,
    );
  }
  return found;
}

function isKeyringPackage(value: unknown): value is KeyringPackage {
  const p = value as Partial<KeyringPackage> | undefined;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.name === 'string' &&
    Array.isArray(p.types) &&
    typeof p.containerModule === 'object' &&
    p.containerModule !== null &&
    typeof p.emulatorClient === 'function'
  );
}
