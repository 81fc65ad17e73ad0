import { createPrivateKey } from 'node:crypto';
import type { KmsEngine } from '../engine.js';
import { KmsError } from '../errors.js';
import { accountRoot, keyArn } from '../ids.js';
import { wrapKeyMaterial } from '../import-wrapping.js';
import type { RequestContext } from '../types.js';
import { type SeedFile, SeedFileError, type SeedKey } from './seed-file.js';

export interface SeedSummary {
  created: string[];
  existing: string[];
  replicas: string[];
  aliases: string[];
}

export interface ApplySeedOptions {
  /** Names the seed in errors (a file path, or `(inline seed)`). */
  file?: string;
  /** Region of keys that name none; default `us-east-1`. */
  defaultRegion?: string;
  /** Account that owns the keys; default the engine's default account. */
  accountId?: string;
}

/**
 * Creates the seed file's keys, replicas and aliases that do not exist yet. Idempotent: a key whose
 * id already exists is left as it is (description, tags, policy, state untouched); only missing
 * replicas and aliases are added, and an alias that already exists is never re-pointed. A key with
 * `material` gets that material and a version id derived from it, so every emulator seeded alike
 * decrypts the others' ciphertext blobs whatever its root key.
 */
export async function applySeed(
  engine: KmsEngine,
  seed: SeedFile,
  options: ApplySeedOptions = {},
): Promise<SeedSummary> {
  const summary: SeedSummary = { created: [], existing: [], replicas: [], aliases: [] };
  const file = options.file ?? '(inline seed)';
  const accountId = options.accountId ?? engine.defaultAccountId;
  const principal = accountRoot(accountId);
  for (const [index, key] of seed.keys.entries()) {
    const region = key.region ?? options.defaultRegion ?? 'us-east-1';
    const ctx = (r: string): RequestContext => ({ region: r, principal, accountId });
    const arn = keyArn(region, accountId, key.id);
    const where = `keys[${index}] (${key.id})`;
    try {
      if (await exists(engine, arn, ctx(region))) {
        summary.existing.push(arn);
      } else {
        const material = key.material ? decodeMaterial(key.material, `${where}.material`, file) : undefined;
        try {
          if (key.origin === 'EXTERNAL') {
            await importExternalKey(engine, key, material!, { ...ctx(region), seedKeyId: key.id });
          } else {
            await engine.execute('CreateKey', createKeyInput(key), {
              ...ctx(region),
              seedKeyId: key.id,
              ...(material ? { seedMaterial: material } : {}),
            });
          }
        } finally {
          material?.fill(0);
        }
        if (key.enabled === false) await engine.execute('DisableKey', { KeyId: arn }, ctx(region));
        summary.created.push(arn);
      }
      for (const replicaRegion of key.replicaRegions ?? []) {
        const replicaArn = keyArn(replicaRegion, accountId, key.id);
        if (await exists(engine, replicaArn, ctx(replicaRegion))) continue;
        await engine.execute('ReplicateKey', { KeyId: arn, ReplicaRegion: replicaRegion }, ctx(region));
        summary.replicas.push(replicaArn);
      }
      for (const r of [region, ...(key.replicaRegions ?? [])]) {
        for (const aliasName of key.aliases ?? []) {
          if (await exists(engine, aliasName, ctx(r))) continue;
          await engine.execute('CreateAlias', { AliasName: aliasName, TargetKeyId: key.id }, ctx(r));
          summary.aliases.push(`${r}:${aliasName}`);
        }
      }
    } catch (error) {
      if (error instanceof SeedFileError) throw error;
      const detail = error instanceof KmsError ? `${error.name}: ${error.message}` : String(error);
      throw new SeedFileError(`Seed file ${file}: ${where}: ${detail}`);
    }
  }
  return summary;
}

/**
 * An EXTERNAL key the way its owner would make one: CreateKey (PendingImport), GetParametersForImport,
 * the material wrapped under the returned public key, ImportKeyMaterial (never expiring). Every step
 * is an audited call; the seed context makes the version id derive from the material, so emulators
 * seeded alike decrypt each other's ciphertext blobs.
 */
async function importExternalKey(
  engine: KmsEngine,
  key: SeedKey,
  material: Buffer,
  ctx: RequestContext,
): Promise<void> {
  await engine.execute('CreateKey', { ...createKeyInput(key), Origin: 'EXTERNAL' }, ctx);
  const WrappingAlgorithm = 'RSA_AES_KEY_WRAP_SHA_256';
  const params = await engine.execute(
    'GetParametersForImport',
    { KeyId: key.id, WrappingAlgorithm, WrappingKeySpec: 'RSA_2048' },
    ctx,
  );
  await engine.execute(
    'ImportKeyMaterial',
    {
      KeyId: key.id,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey as Uint8Array, WrappingAlgorithm, material),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    },
    ctx,
  );
}

function createKeyInput(key: SeedKey): Record<string, unknown> {
  return {
    ...(key.description !== undefined ? { Description: key.description } : {}),
    ...(key.keySpec ? { KeySpec: key.keySpec } : {}),
    ...(key.keyUsage ? { KeyUsage: key.keyUsage } : {}),
    ...(key.multiRegion ? { MultiRegion: true } : {}),
    ...(key.tags
      ? { Tags: Object.entries(key.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) }
      : {}),
    ...(key.policy !== undefined
      ? { Policy: typeof key.policy === 'string' ? key.policy : JSON.stringify(key.policy) }
      : {}),
  };
}

/** Raw bytes (base64/hex) or PKCS#8 DER (from PEM); the engine checks them against the key spec. */
function decodeMaterial(material: NonNullable<SeedKey['material']>, where: string, file: string): Buffer {
  if ('base64' in material) return Buffer.from(material.base64, 'base64');
  if ('hex' in material) return Buffer.from(material.hex, 'hex');
  try {
    return createPrivateKey({ key: material.pem, format: 'pem' }).export({ type: 'pkcs8', format: 'der' });
  } catch {
    // The PEM text itself never goes into the message.
    throw new SeedFileError(`Seed file ${file}: ${where}: the PEM is not a readable private key`);
  }
}

async function exists(engine: KmsEngine, keyId: string, ctx: RequestContext): Promise<boolean> {
  try {
    await engine.execute('DescribeKey', { KeyId: keyId }, ctx);
    return true;
  } catch (error) {
    if (error instanceof KmsError && error.name === 'NotFoundException') return false;
    throw error;
  }
}
