import type { CallScope } from '../core/index.js';
import { deletionDue, purgeKey } from './deletion.js';
import { aliasNotFound, disabled, invalidState, type KmsError, kmsError, notFound } from './errors.js';
import { grantAllows } from './grant-check.js';
import { aliasArn, keyArn, parseKmsArn } from './ids.js';
import { importedMaterialExpired, removeImportedMaterial } from './import-material.js';
import { evaluatePolicy } from './policy/evaluate.js';
import { storedPolicy } from './policy/stored-policy.js';
import type { KeyRecord, RequestContext } from './types.js';
import { type KeyVault, rotate } from './versions.js';

export interface AuthorizeOptions {
  encryptionContext?: Readonly<Record<string, string>>;
  /** Grant operation name when it differs from the action (ReEncryptFrom / ReEncryptTo). */
  grantOperation?: string;
}

/** Everything one operation needs: the caller, the vault, key resolution, authorization and state checks. */
export class OperationScope {
  constructor(
    readonly vault: KeyVault,
    readonly ctx: RequestContext,
    /** The core's record of this call: the keys touched become its audited resources. */
    readonly call: CallScope,
  ) {}

  /** Records that this call acted on `record` (its audit record names the key, the first one first). */
  touch(record: KeyRecord): void {
    this.call.touch(record.arn);
  }

  get store() {
    return this.vault.store;
  }
  now(): number {
    return this.vault.now();
  }

  /**
   * Resolves a key id, key ARN, alias name or alias ARN in the caller's region (ARNs may name another
   * account; key ids and alias names are the caller's own).
   */
  resolveKey(keyIdParam: string): KeyRecord {
    const { region, accountId } = this.ctx;
    let arn: string;
    if (keyIdParam.startsWith('arn:')) {
      const parsed = parseKmsArn(keyIdParam);
      // A key lives in one region: an ARN from another region names nothing here, as in AWS
      // (multi-Region replicas are separate keys, each used through its own region's endpoint).
      if (!parsed) throw notFound(keyIdParam);
      if (parsed.region !== region) {
        throw parsed.resourceType === 'alias' ? aliasNotFound(keyIdParam) : notFound(keyIdParam);
      }
      if (parsed.resourceType === 'alias') {
        const alias = this.store.getAlias(parsed.accountId, parsed.region, parsed.resource);
        if (!alias) throw aliasNotFound(keyIdParam);
        arn = keyArn(parsed.region, parsed.accountId, alias.targetKeyId);
      } else {
        arn = keyIdParam;
      }
    } else if (keyIdParam.startsWith('alias/')) {
      const alias = this.store.getAlias(accountId, region, keyIdParam);
      if (!alias) throw aliasNotFound(aliasArn(region, accountId, keyIdParam));
      arn = keyArn(region, accountId, alias.targetKeyId);
    } else {
      arn = keyArn(region, accountId, keyIdParam);
    }
    let record = this.store.getKey(arn);
    if (!record) throw notFound(arn);
    record = this.#applyDueLifecycle(record);
    this.touch(record);
    return record;
  }

  /** Scheduled deletion and automatic rotation happen lazily, when a key is next looked at. */
  #applyDueLifecycle(record: KeyRecord): KeyRecord {
    const now = this.now();
    if (deletionDue(record, now)) {
      // Purged after this call, in its own transaction, so the call's rollback cannot undo it.
      this.call.deferred.push(() => purgeKey(this.store, record));
      throw notFound(record.arn);
    }
    if (importedMaterialExpired(record, now)) {
      // KMS deletes expired imported material; the key waits for the same material again.
      removeImportedMaterial(record);
      this.store.putKey(record);
    }
    const due = record.rotation.enabled && record.rotation.nextRotationDate !== undefined;
    const isPrimary = !record.mrk || record.mrk.primaryRegion === record.region;
    if (due && isPrimary && now >= record.rotation.nextRotationDate! && record.keyState === 'Enabled') {
      return rotate(this.vault, record, 'AUTOMATIC');
    }
    return record;
  }

  /** Key policy first (explicit Deny wins), then grants. Throws AccessDeniedException. */
  authorize(record: KeyRecord, action: string, options: AuthorizeOptions = {}): void {
    const { principal, accountId } = this.ctx;
    const decision = evaluatePolicy(storedPolicy(record.arn, record.policy), {
      principal,
      callerAccount: accountId,
      action: `kms:${action}`,
      resourceArn: record.arn,
      ...(options.encryptionContext ? { encryptionContext: options.encryptionContext } : {}),
    });
    if (decision === 'Allow') return;
    if (decision === 'NoMatch') {
      const operation = options.grantOperation ?? action;
      const grants = this.store.grantsOfKey(record.arn);
      if (grants.some((g) => grantAllows(g, principal, operation, options.encryptionContext))) return;
    }
    throw accessDenied(principal, `kms:${action}`, record.arn, decision === 'Deny');
  }

  /** Cryptographic operations need an Enabled key. */
  requireEnabled(record: KeyRecord): void {
    if (record.keyState === 'Enabled') return;
    if (record.keyState === 'Disabled') throw disabled(record.arn);
    throw invalidState(record.arn, record.keyState);
  }

  /** Management operations are refused only while the key is pending deletion. */
  requireNotPendingDeletion(record: KeyRecord): void {
    if (record.keyState === 'PendingDeletion') throw invalidState(record.arn, record.keyState);
  }

  /** Unwraps one version's material; the caller zero-fills it in a finally. */
  material(record: KeyRecord, versionId = record.versions.at(-1)!.versionId): Buffer {
    const version = record.versions.find((v) => v.versionId === versionId);
    if (!version) throw kmsError('InvalidCiphertextException', '');
    return this.vault.material.unwrap(record.arn, versionId, version.wrappedMaterial);
  }
}

export function accessDenied(principal: string, action: string, arn: string, explicit: boolean): KmsError {
  const why = explicit
    ? `with an explicit deny in a resource-based policy`
    : `because no resource-based policy allows the ${action} action`;
  return kmsError(
    'AccessDeniedException',
    `User: ${principal} is not authorized to perform: ${action} on resource: ${arn} ${why}`,
  );
}
