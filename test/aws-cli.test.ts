import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKmsServer, type KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function aws(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      'aws',
      args,
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'not-a-secret',
          AWS_DEFAULT_REGION: 'eu-west-1',
          AWS_PAGER: '',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the AWS CLI against `envelope kms serve` (only --endpoint-url changed)', () => {
  let server: KmsServer;
  let dir: string;

  before(async function () {
    if ((await aws(['--version'])).code !== 0) {
      // CI installs Debian's awscli (see .ci/run); a developer machine may not have it.
      this.skip();
    }
    server = await createKmsServer({ inMemory: true, port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'envelope-aws-cli-'));
  });

  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const kms = (...args: string[]) => aws(['kms', ...args, '--endpoint-url', server.url, '--output', 'json']);

  it('creates a key and an alias, encrypts and decrypts with encryption context', async () => {
    const created = await kms('create-key', '--description', 'from the AWS CLI');
    expect(created.code, created.stderr).to.equal(0);
    const arn = JSON.parse(created.stdout).KeyMetadata.Arn as string;
    expect(arn).to.match(/^arn:aws:kms:eu-west-1:111122223333:key\//);
    expect((await kms('create-alias', '--alias-name', 'alias/cli', '--target-key-id', arn)).code).to.equal(0);

    await writeFile(join(dir, 'plain.bin'), 'hello from the CLI');
    const encrypted = await kms(
      'encrypt',
      '--key-id',
      'alias/cli',
      '--plaintext',
      `fileb://${join(dir, 'plain.bin')}`,
      '--encryption-context',
      'app=cli',
    );
    expect(encrypted.code, encrypted.stderr).to.equal(0);
    await writeFile(
      join(dir, 'blob.bin'),
      Buffer.from(JSON.parse(encrypted.stdout).CiphertextBlob, 'base64'),
    );

    const decrypted = await kms(
      'decrypt',
      '--ciphertext-blob',
      `fileb://${join(dir, 'blob.bin')}`,
      '--encryption-context',
      'app=cli',
    );
    expect(decrypted.code, decrypted.stderr).to.equal(0);
    expect(JSON.parse(decrypted.stdout).KeyId).to.equal(arn);
    expect(Buffer.from(JSON.parse(decrypted.stdout).Plaintext, 'base64').toString()).to.equal(
      'hello from the CLI',
    );

    const wrongContext = await kms(
      'decrypt',
      '--ciphertext-blob',
      `fileb://${join(dir, 'blob.bin')}`,
      '--encryption-context',
      'app=other',
    );
    expect(wrongContext.code).to.not.equal(0);
    expect(wrongContext.stderr).to.match(/InvalidCiphertextException/);
  });

  it('reports AWS error types', async () => {
    const missing = await kms('describe-key', '--key-id', 'alias/does-not-exist');
    expect(missing.code).to.not.equal(0);
    expect(missing.stderr).to.match(/NotFoundException/);
    const invalid = await kms('generate-random', '--number-of-bytes', '2048');
    expect(invalid.code).to.not.equal(0);
    expect(invalid.stderr).to.match(/ValidationException/);
  });
});
