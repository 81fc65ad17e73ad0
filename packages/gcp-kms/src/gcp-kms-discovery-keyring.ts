import {
  type DecryptionMaterials,
  type EncryptedDataKey,
  type EncryptionMaterials,
  InvalidArgumentError,
  KeyringBase,
  providerInfoText,
  serializeEncryptionContext,
  unwrapFirst,
} from '@envelope/core';
import { type GcpKmsClientChoice, supplierOf } from './gcp-kms-keyring.js';
import { callGcpKms, decryptDataKey } from './kms-calls.js';
import type { GcpClientSupplier } from './kms-port.js';
import { GCP_KMS_PROVIDER_ID } from './provider-id.js';
import { type CryptoKeyName, parseCryptoKeyName } from './resource-names.js';
import type { GcpRetryOptions } from './retry.js';

/**
 * Which keys a discovery keyring may call. Each entry is an id or a pattern where `*` stands for any
 * run of characters (`my-prod-*`, `europe-*`); a key must match one project and one location.
 */
export interface GcpDiscoveryFilter {
  readonly projects: readonly string[];
  /** Default: every location. */
  readonly locations?: readonly string[];
}

export interface GcpKmsDiscoveryKeyringOptions extends GcpKmsClientChoice {
  /** Strongly recommended: without it, any key the caller may use in any project is tried. */
  readonly discoveryFilter?: GcpDiscoveryFilter;
}

const PATTERN = /^[a-z0-9*][a-z0-9.:*-]{0,62}$/;

function compile(patterns: readonly string[], what: string): RegExp {
  if (patterns.length === 0)
    throw new InvalidArgumentError(`A discovery filter needs at least one ${what} (or '*').`);
  for (const p of patterns) {
    if (!PATTERN.test(p)) {
      throw new InvalidArgumentError(
        `Discovery filter ${what} ${JSON.stringify(p)} is not a ${what} id or a pattern of lower-case letters, digits, '-', '.', ':' and '*'.`,
      );
    }
  }
  const alternatives = patterns.map((p) =>
    p
      .split('*')
      .map((part) => part.replace(/[.:]/g, '\\$&'))
      .join('[a-z0-9.:-]*'),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

/**
 * Decrypts any Cloud KMS EDK whose CryptoKey the caller may use, within the filter's projects and
 * locations, naming no key in advance. It cannot encrypt.
 */
export class GcpKmsDiscoveryKeyring extends KeyringBase {
  readonly description: string;
  readonly #clients: GcpClientSupplier;
  readonly #retry: GcpRetryOptions | undefined;
  readonly #projects: RegExp | undefined;
  readonly #locations: RegExp | undefined;

  constructor(options: GcpKmsDiscoveryKeyringOptions) {
    super();
    const filter = options.discoveryFilter;
    this.#projects = filter ? compile(filter.projects, 'project') : undefined;
    this.#locations = filter?.locations ? compile(filter.locations, 'location') : undefined;
    this.#clients = supplierOf(options);
    this.#retry = options.retry;
    const scope = filter
      ? `projects ${filter.projects.join('|')}${filter.locations ? `, locations ${filter.locations.join('|')}` : ''}`
      : 'any project';
    this.description = `gcp-kms-discovery(${scope})`;
  }

  protected async wrap(_materials: EncryptionMaterials): Promise<void> {
    throw new InvalidArgumentError(
      'A Cloud KMS discovery keyring cannot encrypt: it names no key. Use GcpKmsKeyring to encrypt.',
    );
  }

  protected async unwrap(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<void> {
    const mine = edks.filter((edk) => {
      if (edk.providerId !== GCP_KMS_PROVIDER_ID) return false;
      const name = parseCryptoKeyName(providerInfoText(edk));
      return name !== undefined && this.#allows(name);
    });
    if (mine.length === 0) return;
    const aad = serializeEncryptionContext(materials.encryptionContext);
    await unwrapFirst(this.description, materials, mine, (edk) => {
      const keyName = providerInfoText(edk);
      return callGcpKms(this.#clients, 'Decrypt', keyName, (client) =>
        decryptDataKey(client, keyName, edk, aad, materials.suite.keyLength, this.#retry),
      );
    });
  }

  #allows(name: CryptoKeyName): boolean {
    if (this.#projects && !this.#projects.test(name.project)) return false;
    return !this.#locations || this.#locations.test(name.location);
  }
}
