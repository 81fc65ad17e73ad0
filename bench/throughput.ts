import { randomBytes } from 'node:crypto';
import { DEFAULT_FRAME_LENGTH, decrypt, encrypt, RawAesKeyring, SuiteId } from '@envelope/core';
import { awsEncryptionSdk, rawGcm } from './baselines.js';
import { mbPerSecond, medianMs, table } from './measure.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES = [
  { label: '1 KiB', bytes: KiB, runs: 7, perRun: 200 },
  { label: '1 MiB', bytes: MiB, runs: 7, perRun: 5 },
  { label: '64 MiB', bytes: 64 * MiB, runs: 3, perRun: 1 },
];

interface Implementation {
  name: string;
  encrypt(plaintext: Buffer): Promise<Buffer> | Buffer;
  decrypt(ciphertext: Buffer): Promise<Buffer> | Buffer;
}

function ours(wrappingKey: Buffer, suiteId: number, frameLength = DEFAULT_FRAME_LENGTH): Implementation {
  const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey });
  return {
    name: `envelope 0x0${suiteId.toString(16)} frame ${frameLength / KiB} KiB`,
    encrypt: async (plaintext) => (await encrypt(plaintext, { keyring, suiteId, frameLength })).ciphertext,
    decrypt: async (ciphertext) => (await decrypt(ciphertext, { keyring })).plaintext,
  };
}

async function measure(impl: Implementation, plaintext: Buffer, runs: number, perRun: number) {
  const ciphertext = await impl.encrypt(plaintext);
  const check = await impl.decrypt(ciphertext);
  if (!check.equals(plaintext)) throw new Error(`${impl.name} did not round-trip`);
  const enc = mbPerSecond(plaintext.length, await medianMs(() => impl.encrypt(plaintext), runs, perRun));
  const dec = mbPerSecond(plaintext.length, await medianMs(() => impl.decrypt(ciphertext), runs, perRun));
  return { enc, dec };
}

/** Throughput of ours against the AWS SDK and raw GCM, all measured in this run. */
export async function throughputBench(): Promise<string> {
  const key = randomBytes(32);
  const gcm = rawGcm(DEFAULT_FRAME_LENGTH);
  const impls: Implementation[] = [
    ours(key, SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY),
    ours(key, SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384),
    { name: '@aws-crypto/client-node 0x0478 (defaults)', ...awsEncryptionSdk(key, 0x0478) },
    {
      name: `raw aes-256-gcm frame ${DEFAULT_FRAME_LENGTH / KiB} KiB`,
      encrypt: gcm.encrypt,
      decrypt: gcm.decrypt,
    },
  ];
  const rows: (string | number)[][] = [];
  for (const size of SIZES) {
    const plaintext = randomBytes(size.bytes);
    const results = [];
    for (const impl of impls) results.push(await measure(impl, plaintext, size.runs, size.perRun));
    const [o478, , aws, raw] = results as [
      (typeof results)[0],
      unknown,
      (typeof results)[0],
      (typeof results)[0],
    ];
    results.forEach((r, i) => {
      rows.push([
        size.label,
        impls[i]!.name,
        r.enc,
        r.dec,
        `${(r.enc / aws.enc).toFixed(2)}× / ${(r.dec / aws.dec).toFixed(2)}×`,
        `${((100 * r.enc) / raw.enc).toFixed(0)}% / ${((100 * r.dec) / raw.dec).toFixed(0)}%`,
      ]);
    });
    void o478;
  }
  return table(
    [
      'size',
      'implementation',
      'encrypt MB/s',
      'decrypt MB/s',
      'vs AWS SDK (enc/dec)',
      'vs raw GCM (enc/dec)',
    ],
    rows,
  );
}

/** Our 64 MiB throughput per frame length against raw GCM at the same frame length. */
export async function frameLengthSweep(): Promise<string> {
  const key = randomBytes(32);
  const plaintext = randomBytes(64 * MiB);
  const rows: (string | number)[][] = [];
  for (const frameLength of [4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB]) {
    const mine = await measure(
      ours(key, SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, frameLength),
      plaintext,
      3,
      1,
    );
    const gcm = rawGcm(frameLength);
    const raw = await measure({ name: 'raw', encrypt: gcm.encrypt, decrypt: gcm.decrypt }, plaintext, 3, 1);
    rows.push([
      `${frameLength / KiB} KiB`,
      mine.enc,
      mine.dec,
      raw.enc,
      raw.dec,
      `${((100 * mine.enc) / raw.enc).toFixed(0)}% / ${((100 * mine.dec) / raw.dec).toFixed(0)}%`,
    ]);
  }
  return table(
    [
      'frame',
      'envelope enc MB/s',
      'envelope dec MB/s',
      'raw GCM enc MB/s',
      'raw GCM dec MB/s',
      'ratio (enc/dec)',
    ],
    rows,
  );
}
