/**
 * The README's demo: encrypts a file under a multi-keyring of two raw AES keys, shows the message
 * header, then decrypts it with each key alone and checks the result.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  decryptStream,
  encryptStream,
  formatSuiteId,
  type MessageHeader,
  MultiKeyring,
  RawAesKeyring,
} from '@envelope/core';

const dir = await mkdtemp(join(tmpdir(), 'envelope-demo-'));
try {
  const plainPath = join(dir, 'report.csv');
  const sealedPath = join(dir, 'report.csv.envelope');
  await writeFile(plainPath, randomBytes(5 * 1024 * 1024 + 123));

  const primary = new RawAesKeyring({
    keyNamespace: 'demo',
    keyName: 'primary',
    wrappingKey: randomBytes(32),
  });
  const backup = new RawAesKeyring({ keyNamespace: 'demo', keyName: 'backup', wrappingKey: randomBytes(32) });
  const keyring = new MultiKeyring({ generator: primary, children: [backup] });

  const encryptionContext = { purpose: 'demo', tenant: 'acme' };
  const encryptor = encryptStream({ keyring, encryptionContext });
  let header: MessageHeader | undefined;
  encryptor.on('header', (h: MessageHeader) => (header = h));
  await pipeline(createReadStream(plainPath), encryptor, createWriteStream(sealedPath));

  const plainSize = (await stat(plainPath)).size;
  const sealedSize = (await stat(sealedPath)).size;
  console.log(`encrypted ${plainPath} (${plainSize} bytes) -> ${sealedPath} (${sealedSize} bytes)`);
  if (header) {
    console.log(
      `  suite ${formatSuiteId(header.suite.id)} ${header.suite.name}, message format v${header.version}`,
    );
    console.log(
      `  frame length ${header.frameLength}, encryption context ${JSON.stringify(encryptionContext)}`,
    );
    for (const edk of header.encryptedDataKeys) {
      console.log(
        `  data key wrapped by ${edk.providerId}/${edk.providerInfo.subarray(0, edk.providerInfo.length - 20).toString('utf8')}`,
      );
    }
  }

  const expected = createHash('sha256')
    .update(await readFile(plainPath))
    .digest('hex');
  for (const [name, alone] of [
    ['primary', primary],
    ['backup', backup],
  ] as const) {
    const hash = createHash('sha256');
    await pipeline(
      createReadStream(sealedPath),
      decryptStream({ keyring: alone, requiredEncryptionContext: encryptionContext }),
      async (source) => {
        for await (const chunk of source) hash.update(chunk);
      },
    );
    const ok = hash.digest('hex') === expected;
    console.log(
      `decrypted with the ${name} key alone: ${ok ? `plaintext matches (sha256 ${expected.slice(0, 16)}…)` : 'MISMATCH'}`,
    );
    if (!ok) process.exitCode = 1;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
