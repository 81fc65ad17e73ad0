import type { CallScope, HsmCore } from '../core/index.js';
import { deletedKeyNotFound, keyNotFound } from './errors.js';
import { generateMaterial } from './key-material.js';
import { keyResource, newVersionId, versionResource } from './names.js';
import {
  type AzureKeyRecord,
  type AzureKeyVersionRecord,
  type Curve,
  KEY_KIND,
  type KeyOperation,
  type KeyType,
  VERSION_KIND,
} from './records.js';

export interface NewVersion {
  kty: KeyType;
  keySize?: number;
  curve?: Curve;
  publicExponent: number;
  keyOps: KeyOperation[];
  enabled: boolean;
  nbf?: number;
  exp?: number;
  tags: Record<string, string>;
}

/** Whether a deleted key has reached its scheduled purge date. */
export const isPurgeDue = (key: AzureKeyRecord, now: number): boolean =>
  key.deleted !== undefined && now >= key.deleted.scheduledPurgeDate;

const activeTerm = (vault: string) => `active:${vault}`;
const deletedTerm = (vault: string) => `deleted:${vault}`;

/**
 * Keys and versions of the Azure model in the core's store: `azure.key` records under
 * `<vault>/<name>` (listed by the term `active:<vault>` or `deleted:<vault>`), `azure.keyVersion`
 * records under `<vault>/<name>/<version>`, material wrapped under the root key.
 */
export class AzureKeyStore {
  constructor(readonly core: HsmCore) {}

  /** A key that is not deleted, or `KeyNotFound`. */
  key(vault: string, name: string): AzureKeyRecord {
    const key = this.core.store.get<AzureKeyRecord>(KEY_KIND, keyResource(vault, name));
    if (!key || key.deleted) throw keyNotFound(name);
    return key;
  }

  /**
   * A deleted key still within its retention, or `KeyNotFound` ("Deleted Key not found"). One past
   * its scheduled purge date is purged, as Key Vault would have done by then: in `scope.deferred`,
   * because the call itself fails and its transaction rolls back.
   */
  deletedKey(vault: string, name: string, now: number, scope: CallScope): AzureKeyRecord {
    const key = this.core.store.get<AzureKeyRecord>(KEY_KIND, keyResource(vault, name));
    if (!key?.deleted) throw deletedKeyNotFound();
    if (isPurgeDue(key, now)) {
      scope.deferred.push(() => this.purge(key));
      throw deletedKeyNotFound();
    }
    return key;
  }

  /** Any key record, deleted or not. */
  peek(vault: string, name: string): AzureKeyRecord | undefined {
    return this.core.store.get<AzureKeyRecord>(KEY_KIND, keyResource(vault, name));
  }

  /** A version of a key (the current one for an empty version), or `KeyNotFound`. */
  version(key: AzureKeyRecord, version: string | undefined): AzureKeyVersionRecord {
    const id = version || key.currentVersion;
    const record = this.core.store.get<AzureKeyVersionRecord>(
      VERSION_KIND,
      versionResource(key.vault, key.name, id),
    );
    if (!record) throw keyNotFound(`${key.name}/${id}`);
    return record;
  }

  putKey(key: AzureKeyRecord): void {
    const term = key.deleted ? deletedTerm(key.vault) : activeTerm(key.vault);
    this.core.store.put(KEY_KIND, keyResource(key.vault, key.name), key, [term]);
  }

  putVersion(version: AzureKeyVersionRecord): void {
    this.core.store.put(VERSION_KIND, versionResource(version.vault, version.name, version.version), version);
  }

  /** Generates material for a new version, stores it wrapped, and returns the version record. */
  newVersion(vault: string, name: string, spec: NewVersion, now: number): AzureKeyVersionRecord {
    const version = newVersionId();
    const { material, publicJwk } = generateMaterial(spec.kty, spec.keySize, spec.curve, spec.publicExponent);
    try {
      const record: AzureKeyVersionRecord = {
        vault,
        name,
        version,
        kty: spec.kty,
        ...(spec.keySize !== undefined ? { keySize: spec.keySize } : {}),
        keyOps: [...spec.keyOps],
        enabled: spec.enabled,
        ...(spec.nbf !== undefined ? { nbf: spec.nbf } : {}),
        ...(spec.exp !== undefined ? { exp: spec.exp } : {}),
        created: now,
        updated: now,
        tags: { ...spec.tags },
        material: this.core.vault.wrap(versionResource(vault, name, version), version, material),
        publicJwk,
      };
      this.putVersion(record);
      return record;
    } finally {
      material.fill(0);
    }
  }

  /** Runs `use` with the version's unwrapped material, zero-filled afterwards. */
  withMaterial<T>(version: AzureKeyVersionRecord, use: (material: Buffer) => T): T {
    const material = this.core.vault.unwrap(
      versionResource(version.vault, version.name, version.version),
      version.version,
      version.material,
    );
    try {
      return use(material);
    } finally {
      material.fill(0);
    }
  }

  listKeys(vault: string, deleted: boolean, after: string | undefined, limit: number) {
    return this.core.store.list<AzureKeyRecord>(KEY_KIND, {
      prefix: `${vault}/`,
      term: deleted ? deletedTerm(vault) : activeTerm(vault),
      ...(after !== undefined ? { after } : {}),
      limit,
    });
  }

  listVersions(key: AzureKeyRecord, after: string | undefined, limit: number) {
    return this.core.store.list<AzureKeyVersionRecord>(VERSION_KIND, {
      prefix: `${keyResource(key.vault, key.name)}/`,
      ...(after !== undefined ? { after } : {}),
      limit,
    });
  }

  /** Deletes a key and every version, a page at a time. */
  purge(key: AzureKeyRecord): void {
    for (;;) {
      const page = this.listVersions(key, undefined, 100);
      for (const v of page.records)
        this.core.store.delete(VERSION_KIND, versionResource(v.vault, v.name, v.version));
      if (!page.next) break;
    }
    this.core.store.delete(KEY_KIND, keyResource(key.vault, key.name));
  }
}
