import { accountRoot, type KmsEngine, KmsError, keyArn, type RequestContext } from '@envelope/kms-emulator';
import { type SeedFile, SeedFileError, type SeedKey } from './seed-file.js';

export interface SeedSummary {
  created: string[];
  existing: string[];
  replicas: string[];
  aliases: string[];
}

/**
 * Creates the seed file's keys, replicas and aliases that do not exist yet. Idempotent: a key whose
 * id already exists is left as it is (description, tags, policy, state untouched); only missing
 * replicas and aliases are added, and an alias that already exists is never re-pointed.
 */
export async function applySeed(
  engine: KmsEngine,
  seed: SeedFile,
  options: { file: string; defaultRegion: string; accountId: string },
): Promise<SeedSummary> {
  const summary: SeedSummary = { created: [], existing: [], replicas: [], aliases: [] };
  const principal = accountRoot(options.accountId);
  for (const [index, key] of seed.keys.entries()) {
    const region = key.region ?? options.defaultRegion;
    const ctx = (r: string): RequestContext => ({ region: r, principal, accountId: options.accountId });
    const arn = keyArn(region, options.accountId, key.id);
    const where = `keys[${index}] (${key.id})`;
    try {
      if (await exists(engine, arn, ctx(region))) {
        summary.existing.push(arn);
      } else {
        await engine.execute('CreateKey', createKeyInput(key), { ...ctx(region), seedKeyId: key.id });
        if (key.enabled === false) await engine.execute('DisableKey', { KeyId: arn }, ctx(region));
        summary.created.push(arn);
      }
      for (const replicaRegion of key.replicaRegions ?? []) {
        const replicaArn = keyArn(replicaRegion, options.accountId, key.id);
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
      const detail = error instanceof KmsError ? `${error.name}: ${error.message}` : String(error);
      throw new SeedFileError(`Seed file ${options.file}: ${where}: ${detail}`);
    }
  }
  return summary;
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

async function exists(engine: KmsEngine, keyId: string, ctx: RequestContext): Promise<boolean> {
  try {
    await engine.execute('DescribeKey', { KeyId: keyId }, ctx);
    return true;
  } catch (error) {
    if (error instanceof KmsError && error.name === 'NotFoundException') return false;
    throw error;
  }
}
