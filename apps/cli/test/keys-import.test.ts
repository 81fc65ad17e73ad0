import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  EncryptCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { BIN, envelope } from './support/run-envelope.js';

/** `envelope kms serve --in-memory` on a free port; resolves with its URL once it logs "ready". */
async function serveInMemory(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'kms', 'serve', '--port', '0', '--in-memory'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (record.msg === 'kms server ready') resolve(record.url as string);
    });
    child.once('exit', (code) => reject(new Error(`envelope kms serve exited with ${code}`)));
  });
  return { child, url };
}

describe('envelope keys import (built binary, against envelope kms serve)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: { child: ChildProcess; url: string };
  let kms: KMSClient;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-keys-import-'));
    server = await serveInMemory();
    kms = new KMSClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' },
      maxAttempts: 1,
    });
  });
  after(async () => {
    kms.destroy();
    server.child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  const keysImport = (...args: string[]) =>
    envelope(
      dir,
      'keys',
      '--endpoint',
      server.url,
      '--json',
      'import',
      '--wrapping-key-spec',
      'RSA_2048',
      ...args,
    );

  it('generates 256-bit material, saves it 0600, creates an EXTERNAL key and imports it', async () => {
    const out = join(dir, 'generated.key');
    const run = await keysImport('--material-out', out, '--alias', 'alias/byok');
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as { arn: string; createdKey: boolean; expirationModel: string };
    expect(result.createdKey).to.equal(true);
    expect(result.expirationModel).to.equal('KEY_MATERIAL_DOES_NOT_EXPIRE');
    const saved = await readFile(out);
    expect(saved.length).to.equal(32);
    expect((await stat(out)).mode & 0o777).to.equal(0o600);
    expect(run.stdout + run.stderr).not.to.contain(saved.toString('hex'));
    expect(run.stdout + run.stderr).not.to.contain(saved.toString('base64'));

    const meta = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/byok' }))).KeyMetadata!;
    expect(meta.Origin).to.equal('EXTERNAL');
    expect(meta.KeyState).to.equal('Enabled');
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: 'alias/byok', Plaintext: Buffer.from('byok') }),
    );

    // Deleted material comes back only with the same bytes: re-import from the saved file.
    await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: result.arn }));
    const other = join(dir, 'other.key');
    await writeFile(other, randomBytes(32));
    const wrong = await keysImport(result.arn, '--material', other);
    expect(wrong.code).to.not.equal(0);
    expect(wrong.stderr).to.contain('not the material previously imported');
    const again = await keysImport(
      result.arn,
      '--material',
      out,
      '--valid-to',
      new Date(Date.now() + 86_400_000).toISOString(),
    );
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.parse(again.stdout).expirationModel).to.equal('KEY_MATERIAL_EXPIRES');
    const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob }));
    expect(Buffer.from(Plaintext!).toString()).to.equal('byok');
  });

  it('refuses to run without material or a place to keep generated material (exit 2)', async () => {
    const run = await keysImport();
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('--material-out');
  });

  it('never overwrites an existing --material-out file (exit 6)', async () => {
    const out = join(dir, 'exists.key');
    await writeFile(out, 'keep me');
    const run = await keysImport('--material-out', out);
    expect(run.code).to.equal(6);
    expect(await readFile(out, 'utf8')).to.equal('keep me');
  });
});
