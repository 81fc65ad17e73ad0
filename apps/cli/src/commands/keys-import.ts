import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import {
  WRAPPING_ALGORITHMS,
  WRAPPING_KEY_SPECS,
  type WrappingAlgorithm,
  type WrappingKeySpec,
  wrapKeyMaterial,
} from '@envelope/kms-emulator';
import { CliError, ExitCode } from '../exit-codes.js';

export interface KeysImportOptions {
  material?: string;
  materialOut?: string;
  keySpec: string;
  keyUsage?: string;
  description: string;
  alias?: string;
  wrappingAlgorithm?: string;
  wrappingKeySpec: string;
  validTo?: string;
}

export interface KeysImportResult {
  arn: string;
  keyMaterialId: string | null;
  expirationModel: string;
  validTo: string | null;
  wrappingAlgorithm: WrappingAlgorithm;
  createdKey: boolean;
}

/** RSA-OAEP with SHA-256 carries at most k - 66 bytes: 190 for RSA_2048. Larger material needs AES key wrap. */
const OAEP_LIMIT = 190;

/**
 * `envelope keys import`: bring your own key in one step — read the material from a file or generate
 * 256 bits locally (saved with --material-out first, since re-importing after expiry or deletion needs
 * the very same bytes), create an EXTERNAL key if none is named, GetParametersForImport, wrap the
 * material locally under the returned public key, ImportKeyMaterial. The same calls work against the
 * emulator and against AWS KMS.
 */
export async function importKeyMaterial(
  kms: KMSClient,
  keyId: string | undefined,
  o: KeysImportOptions,
): Promise<KeysImportResult> {
  const wrappingKeySpec = oneOf(
    '--wrapping-key-spec',
    o.wrappingKeySpec,
    Object.keys(WRAPPING_KEY_SPECS),
  ) as WrappingKeySpec;
  const validTo = o.validTo !== undefined ? parseValidTo(o.validTo) : undefined;
  const material = await readOrGenerate(o);
  try {
    const wrappingAlgorithm = (
      o.wrappingAlgorithm !== undefined
        ? oneOf('--wrapping-algorithm', o.wrappingAlgorithm, WRAPPING_ALGORITHMS)
        : material.length > OAEP_LIMIT
          ? 'RSA_AES_KEY_WRAP_SHA_256'
          : 'RSAES_OAEP_SHA_256'
    ) as WrappingAlgorithm;
    let arn = keyId;
    if (!arn) {
      const created = await kms.send(
        new CreateKeyCommand({
          Origin: 'EXTERNAL',
          Description: o.description,
          KeySpec: o.keySpec as never,
          ...(o.keyUsage ? { KeyUsage: o.keyUsage as never } : {}),
        }),
      );
      arn = created.KeyMetadata!.Arn!;
      if (o.alias) await kms.send(new CreateAliasCommand({ AliasName: o.alias, TargetKeyId: arn }));
    }
    const params = await kms.send(
      new GetParametersForImportCommand({
        KeyId: arn,
        WrappingAlgorithm: wrappingAlgorithm,
        WrappingKeySpec: wrappingKeySpec,
      }),
    );
    const imported = await kms.send(
      new ImportKeyMaterialCommand({
        KeyId: params.KeyId ?? arn,
        ImportToken: params.ImportToken!,
        EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, wrappingAlgorithm, material),
        ...(validTo
          ? { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo }
          : { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }),
      }),
    );
    return {
      arn: imported.KeyId ?? params.KeyId ?? arn,
      keyMaterialId: imported.KeyMaterialId ?? null,
      expirationModel: validTo ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      validTo: validTo?.toISOString() ?? null,
      wrappingAlgorithm,
      createdKey: !keyId,
    };
  } finally {
    material.fill(0);
  }
}

async function readOrGenerate(o: KeysImportOptions): Promise<Buffer> {
  if (o.material !== undefined && o.materialOut !== undefined) {
    throw new CliError(
      'Pass either --material or --material-out, not both.',
      ExitCode.USAGE,
      '--material imports existing material; --material-out saves newly generated material',
    );
  }
  if (o.material !== undefined) {
    try {
      return await readFile(o.material);
    } catch (error) {
      throw new CliError(
        `Cannot read key material from ${o.material}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
        ExitCode.IO,
        'check the path given to --material',
      );
    }
  }
  if (o.materialOut === undefined) {
    throw new CliError(
      'No key material: pass --material <file> to import existing material, or --material-out <file> to generate 256 bits and keep a copy.',
      ExitCode.USAGE,
      'keep the material safe: re-importing after expiry or deletion needs the same bytes',
    );
  }
  if (o.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new CliError(
      `Generated material is 256-bit symmetric; key spec ${o.keySpec} needs --material <file>.`,
      ExitCode.USAGE,
      'for HMAC keys pass raw key bytes, for RSA and ECC keys a PKCS#8 DER private key',
    );
  }
  const material = randomBytes(32);
  try {
    // Owner-only, and never over an existing file: it is the only copy outside KMS.
    await writeFile(o.materialOut, material, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    material.fill(0);
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `Cannot write the generated key material to ${o.materialOut}: ${code ?? 'error'}.`,
      code === 'EEXIST' ? ExitCode.OUTPUT_EXISTS : ExitCode.IO,
      code === 'EEXIST' ? 'choose a new file; an existing one is never overwritten' : 'check the path',
    );
  }
  return material;
}

function oneOf(option: string, value: string, allowed: readonly string[]): string {
  if (allowed.includes(value)) return value;
  throw new CliError(`${option} must be one of ${allowed.join(', ')}; got ${value}.`, ExitCode.USAGE);
}

function parseValidTo(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new CliError(
      `--valid-to is not a date: ${text}.`,
      ExitCode.USAGE,
      'give an ISO 8601 time such as 2027-01-31T00:00:00Z',
    );
  }
  return date;
}
