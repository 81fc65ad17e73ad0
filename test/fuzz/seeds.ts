import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import {
  CommitmentPolicy,
  type DecryptionMaterials,
  type DecryptOptions,
  decrypt,
  type EncryptedDataKey,
  type EncryptionMaterials,
  encrypt,
  type Keyring,
  MultiKeyring,
  RawAesKeyring,
  SuiteId,
} from '@envelope/core';
import { layoutOf, type MessageLayout } from './layout.js';
import { SeededRandom } from './random.js';

// Fixed test-only wrapping keys, so stored seeds and corpus files decrypt on every machine.
// They protect nothing but fuzz fixtures.
const keyBytes = (label: string) => new SeededRandom(`wrapping-key:${label}`).bytes(32);
export const fuzzKeyring = new RawAesKeyring({
  keyNamespace: 'fuzz',
  keyName: 'primary',
  wrappingKey: keyBytes('primary'),
});
/** Holds the first EDK of the two-key seed; the decrypting side does not have it. */
const absentKeyring = new RawAesKeyring({
  keyNamespace: 'fuzz',
  keyName: 'absent',
  wrappingKey: keyBytes('absent'),
});
export const rewrapKeyring = new RawAesKeyring({
  keyNamespace: 'fuzz',
  keyName: 'rewrap-target',
  wrappingKey: keyBytes('rewrap-target'),
});

/** Every fuzz target decrypts with these options; v1 suites are allowed so legacy parsing is fuzzed too. */
export const decryptOptions: DecryptOptions = Object.freeze({
  keyring: fuzzKeyring,
  commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
});

export interface Seed {
  readonly name: string;
  readonly bytes: Buffer;
  readonly plaintext: Buffer;
  readonly layout: MessageLayout;
}

interface SeedSpec {
  readonly name: string;
  readonly suiteId: number;
  readonly frameLength: number;
  readonly plaintextLength: number;
  readonly encryptionContext?: Record<string, string>;
  readonly keyring?: Keyring;
  readonly nonFramed?: boolean;
}

/** Small frames so every seed has several regular frames to reorder, duplicate and drop. */
const SEED_SPECS: readonly SeedSpec[] = [
  {
    name: 'v2-0478-framed',
    suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    frameLength: 128,
    plaintextLength: 520,
    encryptionContext: { purpose: 'fuzz', tenant: 't-1' },
  },
  {
    name: 'v2-0578-signed',
    suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    frameLength: 100,
    plaintextLength: 333,
    encryptionContext: { a: 'b', ключ: 'значение' },
  },
  {
    name: 'v2-0478-exact-frames',
    suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    frameLength: 64,
    plaintextLength: 256,
  },
  {
    name: 'v2-0578-empty',
    suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    frameLength: 64,
    plaintextLength: 0,
  },
  {
    name: 'v2-0478-two-edks',
    suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    frameLength: 96,
    plaintextLength: 300,
    encryptionContext: { region: 'us-east-1' },
    keyring: new MultiKeyring({ generator: absentKeyring, children: [fuzzKeyring] }),
  },
  {
    // One large frame: tiny chunks make the reader gather a frame from thousands of pieces.
    name: 'v2-0478-large-frame',
    suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    frameLength: 20_000,
    plaintextLength: 24 * 1024,
  },
  {
    name: 'v1-0178-framed',
    suiteId: SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256,
    frameLength: 80,
    plaintextLength: 250,
    encryptionContext: { legacy: 'yes' },
  },
  {
    name: 'v1-0378-signed',
    suiteId: SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
    frameLength: 90,
    plaintextLength: 200,
  },
  {
    name: 'v1-0078-non-framed',
    suiteId: SuiteId.AES_256_GCM_IV12_TAG16_NO_KDF,
    frameLength: 0,
    plaintextLength: 180,
    encryptionContext: { body: 'single-block' },
    nonFramed: true,
  },
];

/** The plaintext of a seed: derived from its name, so it is known without decrypting. */
function seedPlaintext(spec: SeedSpec): Buffer {
  return new SeededRandom(`plaintext:${spec.name}`).bytes(spec.plaintextLength);
}

/** Encrypts fresh seed messages (random message ids and data keys): run once, then stored. */
async function buildSeedMessage(spec: SeedSpec): Promise<Buffer> {
  const plaintext = seedPlaintext(spec);
  if (spec.nonFramed) return nonFramedV1(spec, plaintext);
  const { ciphertext } = await encrypt(plaintext, {
    keyring: spec.keyring ?? fuzzKeyring,
    suiteId: spec.suiteId,
    frameLength: spec.frameLength,
    encryptionContext: spec.encryptionContext ?? {},
    commitmentPolicy:
      spec.suiteId >= SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY
        ? CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
        : CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
  });
  return ciphertext;
}

/** Records the data key a wrapped keyring generates, to build a body Envelope itself never writes. */
class CapturingKeyring implements Keyring {
  readonly description = 'fuzz seed capture';
  dataKey: Buffer | undefined;
  constructor(private readonly inner: Keyring) {}
  async onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials> {
    const result = await this.inner.onEncrypt(materials);
    this.dataKey = Buffer.from(result.dataKey);
    return result;
  }
  onDecrypt(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<DecryptionMaterials> {
    return this.inner.onDecrypt(materials, edks);
  }
}

/**
 * A v1 non-framed message (data-format/message-body.md "Non-Framed Data"): Envelope reads but never
 * writes this body. Encrypts a framed 0x0078 message to get a wrapped data key and header, then
 * rewrites the content type, frame length, header tag and body. 0x0078 has no KDF: the data key is
 * the content key. AES-GCM uses: (data key, random header IV) for the header tag and (data key,
 * random body IV) for the body; the data key is fresh for this one message and the two IVs are
 * independent random draws, so no (key, IV) pair repeats.
 */
async function nonFramedV1(spec: SeedSpec, plaintext: Buffer): Promise<Buffer> {
  const capture = new CapturingKeyring(fuzzKeyring);
  const { ciphertext: framed } = await encrypt(Buffer.alloc(0), {
    keyring: capture,
    suiteId: spec.suiteId,
    encryptionContext: spec.encryptionContext ?? {},
    commitmentPolicy: CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
  });
  const key = capture.dataKey!;
  const layout = layoutOf(framed);
  const header = Buffer.from(framed.subarray(0, layout.headerEnd));
  header[layout.contentTypeAt] = 0x01;
  header.writeUInt32BE(0, layout.headerEnd - 4);
  const gcm = (iv: Buffer, aad: Buffer, data: Buffer) => {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad);
    return Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  };
  const headerIv = randomBytes(12);
  const headerTag = gcm(headerIv, header, Buffer.alloc(0));
  const messageId = header.subarray(layout.messageId.start, layout.messageId.end);
  const length = Buffer.alloc(8);
  length.writeBigUInt64BE(BigInt(plaintext.length));
  const sequence = Buffer.alloc(4);
  sequence.writeUInt32BE(1);
  const aad = Buffer.concat([
    messageId,
    Buffer.from('AWSKMSEncryptionClient Single Block'),
    sequence,
    length,
  ]);
  const bodyIv = randomBytes(12);
  const body = gcm(bodyIv, aad, plaintext);
  key.fill(0);
  return Buffer.concat([header, headerIv, headerTag, bodyIv, length, body]);
}

export const SEED_DIR = new URL('../fixtures/fuzz-corpus/seeds/', import.meta.url);

/**
 * Writes the seed messages that are missing (all of them with `replace`). Replacing a stored seed
 * changes its message id, so the corpus must then be recorded again.
 */
export async function writeSeedMessages(replace = false, dir: URL = SEED_DIR): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const present = new Set(await readdir(dir));
  const written: string[] = [];
  for (const spec of SEED_SPECS) {
    if (!replace && present.has(`${spec.name}.bin`)) continue;
    await writeFile(new URL(`${spec.name}.bin`, dir), await buildSeedMessage(spec));
    written.push(spec.name);
  }
  return written;
}

/** Loads the stored seeds and checks each still decrypts to its known plaintext. */
export async function loadSeeds(dir: URL = SEED_DIR): Promise<Seed[]> {
  const seeds: Seed[] = [];
  const names = (await readdir(dir)).filter((f) => f.endsWith('.bin')).sort();
  for (const file of names) {
    const name = file.slice(0, -'.bin'.length);
    const spec = SEED_SPECS.find((s) => s.name === name);
    if (!spec) throw new Error(`unknown fuzz seed ${file}`);
    const bytes = await readFile(new URL(file, dir));
    const plaintext = seedPlaintext(spec);
    const { plaintext: decrypted } = await decrypt(bytes, decryptOptions);
    if (!decrypted.equals(plaintext)) throw new Error(`fuzz seed ${file} does not decrypt to its plaintext`);
    seeds.push({ name, bytes, plaintext, layout: layoutOf(bytes) });
  }
  return seeds;
}
