import { readFileSync } from 'node:fs';
import { ConfigError, formatIssuePath } from '@envelope/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MRK_ID = /^mrk-[0-9a-f]{32}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * Key material carried by a seed, so emulators started from it share keys (portable fixtures):
 * `base64` or `hex` for symmetric (32 bytes) and HMAC keys, `pem` (a PKCS#8 or traditional private
 * key) for RSA and ECC keys. Test keys only: a seed is not a place for production material.
 */
const seedMaterial = z.union([
  z.strictObject({ base64: z.base64() }),
  z.strictObject({ hex: z.hex() }),
  z.strictObject({
    pem: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'must be a PEM private key'),
  }),
]);

const seedKey = z
  .strictObject({
    /** Key id: a UUID, or `mrk-` + 32 hex digits for a multi-Region key (as AWS names them). */
    id: z.string(),
    /** Region of the key (the primary for multi-Region keys); default the server's region. */
    region: z.string().regex(REGION, 'must be an AWS Region name such as us-east-1').optional(),
    description: z.string().max(8192).optional(),
    keySpec: z.string().optional(),
    keyUsage: z.string().optional(),
    multiRegion: z.boolean().optional(),
    replicaRegions: z
      .array(z.string().regex(REGION, 'must be an AWS Region name such as eu-west-1'))
      .optional(),
    aliases: z.array(z.string().regex(/^alias\/[a-zA-Z0-9/_-]+$/, 'must look like alias/my-key')).optional(),
    tags: z.record(z.string(), z.string()).optional(),
    /** A key policy, as a JSON string or as a YAML/JSON object. */
    policy: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    /** `false` creates the key Disabled. */
    enabled: z.boolean().optional(),
    material: seedMaterial.optional(),
    /**
     * `EXTERNAL` declares a bring-your-own-key key: created PendingImport, then its `material`
     * (required) is imported through GetParametersForImport / ImportKeyMaterial, never expiring.
     */
    origin: z.enum(['AWS_KMS', 'EXTERNAL']).optional(),
  })
  .superRefine((key, ctx) => {
    const mrk = key.multiRegion === true;
    if (mrk ? !MRK_ID.test(key.id) : !UUID.test(key.id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['id'],
        message: mrk
          ? 'a multi-Region key id must be mrk- followed by 32 lower-case hex digits'
          : 'a key id must be a lower-case UUID (or set multiRegion: true for an mrk- id)',
      });
    }
    if (key.origin === 'EXTERNAL' && !key.material) {
      ctx.addIssue({
        code: 'custom',
        path: ['material'],
        message: 'an EXTERNAL key needs its material in the seed (base64, hex or pem)',
      });
    }
    if (key.origin === 'EXTERNAL' && mrk) {
      ctx.addIssue({
        code: 'custom',
        path: ['origin'],
        message: 'EXTERNAL multi-Region keys are not supported by the emulator; declare a single-Region key',
      });
    }
    if (!mrk && key.replicaRegions?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['replicaRegions'],
        message: 'only multi-Region keys (multiRegion: true) have replicas',
      });
    }
  });

export const seedFileSchema = z.strictObject({
  keys: z.array(seedKey).default([]),
});

export type SeedFile = z.infer<typeof seedFileSchema>;
export type SeedKey = SeedFile['keys'][number];

/** A seed file written as the schema's input (before defaults), e.g. inline in a test. */
export type SeedInput = z.input<typeof seedFileSchema>;

/** A seed that cannot be read or does not match the schema; the message names the source and path. */
export class SeedFileError extends ConfigError {
  static override readonly code: string = 'ENVELOPE_SEED_INVALID';
  override readonly name = 'SeedFileError';
}

/** Reads and validates a YAML (or JSON) seed file. */
export function loadSeedFile(file: string): SeedFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SeedFileError(`Seed file ${file}: cannot read (${(error as NodeJS.ErrnoException).code})`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new SeedFileError(`Seed file ${file}: not valid YAML: ${(error as Error).message}`);
  }
  return parseSeed(raw, file);
}

/** Validates a seed given as a value (parsed YAML/JSON, or an object in a test); `source` names it in errors. */
export function parseSeed(raw: unknown, source = '(inline seed)'): SeedFile {
  const parsed = seedFileSchema.safeParse(raw);
  if (!parsed.success) {
    // Issues name paths and rules, never the rejected values (a seed may carry key material).
    const issues = parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`);
    throw new SeedFileError(`Seed file ${source}: ${issues.join('; ')}`);
  }
  return parsed.data;
}
