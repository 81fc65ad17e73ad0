/**
 * One side of the 1 KiB comparison in a process of its own (see {@link SmallMessageProcess}):
 * Envelope's buffer API or the AWS Encryption SDK, both with a raw AES keyring, encrypting and
 * decrypting one plaintext in batches on request and reporting the CPU time of each batch.
 * `envelope-jwk` is Envelope with the verification key imported as the baseline did (see
 * {@link JwkImportMaterialsManager}).
 */
import { decrypt, encrypt, RawAesKeyring } from '@envelope/core';
import { awsEncryptionSdk } from './baselines.js';
import { JwkImportMaterialsManager } from './jwk-import-materials-manager.js';

export type SmallMessageSide = 'envelope' | 'envelope-jwk' | 'aws-sdk';

export type SmallMessageRequest =
  | {
      readonly op: 'init';
      readonly side: SmallMessageSide;
      readonly wrappingKey: string;
      readonly suiteId: number;
      readonly plaintext: string;
    }
  | { readonly op: 'encrypt' | 'decrypt'; readonly reps: number };

interface Side {
  encrypt(plaintext: Buffer): Promise<Buffer>;
  decrypt(ciphertext: Buffer): Promise<Buffer>;
}

function envelope(wrappingKey: Buffer, suiteId: number, jwkImport: boolean): Side {
  const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey });
  const keys = jwkImport ? { materialsManager: new JwkImportMaterialsManager(keyring) } : { keyring };
  return {
    encrypt: async (plaintext) => (await encrypt(plaintext, { ...keys, suiteId })).ciphertext,
    decrypt: async (ciphertext) => (await decrypt(ciphertext, keys)).plaintext,
  };
}

let side: Side | undefined;
let plaintext: Buffer = Buffer.alloc(0);
let ciphertext: Buffer = Buffer.alloc(0);

process.on('message', async (request: SmallMessageRequest) => {
  if (request.op === 'init') {
    const key = Buffer.from(request.wrappingKey, 'base64');
    side =
      request.side === 'aws-sdk'
        ? awsEncryptionSdk(key, request.suiteId)
        : envelope(key, request.suiteId, request.side === 'envelope-jwk');
    plaintext = Buffer.from(request.plaintext, 'base64');
    ciphertext = await side.encrypt(plaintext);
    if (!(await side.decrypt(ciphertext)).equals(plaintext))
      throw new Error(`${request.side} did not round-trip`);
    process.send!({ ms: 0 });
    return;
  }
  const call = request.op === 'encrypt' ? () => side!.encrypt(plaintext) : () => side!.decrypt(ciphertext);
  const start = process.cpuUsage();
  for (let i = 0; i < request.reps; i++) await call();
  const used = process.cpuUsage(start);
  process.send!({ ms: (used.user + used.system) / 1000 / request.reps });
});
