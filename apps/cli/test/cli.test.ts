import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const BIN = fileURLToPath(new URL('../dist/envelope.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function envelope(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      // The AWS SDK's Node-version notice is for users; these tests assert one-line errors.
      {
        cwd,
        env: {
          ...process.env,
          ENVELOPE_CONFIG: '',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the envelope command (built binary)', () => {
  let dir: string;
  const data = randomBytes(300_000);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-cli-'));
    for (const name of ['east', 'west']) await writeFile(join(dir, `${name}.key`), randomBytes(32));
    const ring = (name: string) =>
      `{ type: raw-aes, keyNamespace: dr, keyName: ${name}, key: { file: ${name}.key } }`;
    await writeFile(join(dir, 'east.yaml'), `keyring: ${ring('east')}\n`);
    await writeFile(join(dir, 'west.yaml'), `keyring: ${ring('west')}\n`);
    await writeFile(
      join(dir, 'both.yaml'),
      `keyring: { type: multi, generator: ${ring('east')}, children: [${ring('west')}] }\n`,
    );
    await writeFile(join(dir, 'east-unsigned.yaml'), `suite: "0x0478"\nkeyring: ${ring('east')}\n`);
    await writeFile(join(dir, 'data.bin'), data);
  });

  it('encrypts, inspects and decrypts a file', async () => {
    const enc = await envelope(
      dir,
      'encrypt',
      'data.bin',
      '-o',
      'data.env',
      '--config',
      'east.yaml',
      '-c',
      'tenant=acme',
    );
    expect(enc.code, enc.stderr).to.equal(0);
    const inspect = await envelope(dir, 'inspect', 'data.env', '--json');
    const header = JSON.parse(inspect.stdout);
    expect(header).to.deep.include({ suite: '0x0578', messageFormat: 2, frameLength: 65536 });
    expect(header.encryptionContext.tenant).to.equal('acme');
    expect(header.encryptedDataKeys).to.deep.equal([
      { providerId: 'dr', key: 'east', cloud: 'local', location: 'dr/east' },
    ]);
    const dec = await envelope(
      dir,
      'decrypt',
      'data.env',
      '-o',
      'out.bin',
      '--config',
      'east.yaml',
      '--require-context',
      'tenant=acme',
    );
    expect(dec.code, dec.stderr).to.equal(0);
    expect((await readFile(join(dir, 'out.bin'))).equals(data)).to.equal(true);
  });

  it('decrypts a message with required encryption context only when --reproduce-context gives it', async () => {
    await writeFile(
      join(dir, 'required.yaml'),
      'keyring: { type: raw-aes, keyNamespace: dr, keyName: east, key: { file: east.key } }\nrequiredEncryptionContextKeys: [tenant]\n',
    );
    const enc = await envelope(
      dir,
      'encrypt',
      'data.bin',
      '-o',
      'req.env',
      '--config',
      'required.yaml',
      '-c',
      'tenant=acme',
    );
    expect(enc.code, enc.stderr).to.equal(0);
    const header = JSON.parse((await envelope(dir, 'inspect', 'req.env', '--json')).stdout);
    expect(header.encryptionContext).to.not.have.property('tenant');
    const without = await envelope(dir, 'decrypt', 'req.env', '-o', 'req-no.bin', '--config', 'east.yaml');
    expect(without.code).to.not.equal(0);
    const dec = await envelope(
      dir,
      'decrypt',
      'req.env',
      '-o',
      'req.bin',
      '--config',
      'east.yaml',
      '--reproduce-context',
      'tenant=acme',
    );
    expect(dec.code, dec.stderr).to.equal(0);
    expect((await readFile(join(dir, 'req.bin'))).equals(data)).to.equal(true);
  });

  it('streams through stdin and stdout in a pipe', async () => {
    const node = JSON.stringify(process.execPath);
    const bin = JSON.stringify(BIN);
    const script = `${node} ${bin} encrypt --config east.yaml < data.bin | ${node} ${bin} decrypt --config east.yaml > piped.bin`;
    const code = await new Promise<number>((resolve) =>
      execFile('sh', ['-c', script], { cwd: dir }, (error) => resolve(error ? 1 : 0)),
    );
    expect(code).to.equal(0);
    expect((await readFile(join(dir, 'piped.bin'))).equals(data)).to.equal(true);
  });

  it('never overwrites an output file without --force', async () => {
    await writeFile(join(dir, 'exists.env'), 'keep me');
    const run = await envelope(dir, 'encrypt', 'data.bin', '-o', 'exists.env', '--config', 'east.yaml');
    expect(run.code).to.equal(6);
    expect(run.stderr).to.match(/already exists.*--force/);
    expect(await readFile(join(dir, 'exists.env'), 'utf8')).to.equal('keep me');
    expect(
      (await envelope(dir, 'encrypt', 'data.bin', '-o', 'exists.env', '--config', 'east.yaml', '--force'))
        .code,
    ).to.equal(0);
  });

  it('leaves no partial plaintext behind when decryption fails', async () => {
    const message = await readFile(join(dir, 'data.env'));
    message[message.length - 500]! ^= 0x40;
    await writeFile(join(dir, 'tampered.env'), message);
    const run = await envelope(dir, 'decrypt', 'tampered.env', '-o', 'leak.bin', '--config', 'east.yaml');
    expect(run.code).to.equal(4);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect((await readdir(dir)).filter((f) => f.startsWith('leak') || f.includes('.partial'))).to.deep.equal(
      [],
    );
  });

  it('fails with exit code 5 and a hint when the keyring holds none of the keys', async () => {
    const run = await envelope(dir, 'decrypt', 'data.env', '-o', 'nope.bin', '--config', 'west.yaml');
    expect(run.code).to.equal(5);
    expect(run.stderr).to.match(/^envelope: .*\(check the keyring/);
  });

  it('rewraps with --add: the data key and its wrapped copy are kept, a master key is added', async () => {
    const enc = await envelope(
      dir,
      'encrypt',
      'data.bin',
      '-o',
      'unsigned.env',
      '--config',
      'east-unsigned.yaml',
    );
    expect(enc.code, enc.stderr).to.equal(0);
    const run = await envelope(
      dir,
      'rewrap',
      'unsigned.env',
      '-o',
      'both.env',
      '--config',
      'east.yaml',
      '--to',
      'west.yaml',
      '--add',
      '--json',
    );
    expect(run.code, run.stderr).to.equal(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.dataKey).to.equal('kept');
    expect(summary.after).to.have.length(2);
    expect(summary.messageIdAfter).not.to.equal(summary.messageIdBefore);
    for (const config of ['west.yaml', 'east.yaml']) {
      const dec = await envelope(dir, 'decrypt', 'both.env', '-o', `out-${config}.bin`, '--config', config);
      expect(dec.code, dec.stderr).to.equal(0);
      expect((await readFile(join(dir, `out-${config}.bin`))).equals(data)).to.equal(true);
    }
  });

  it('rewraps to replace the master keys under a new data key, and says so', async () => {
    const run = await envelope(
      dir,
      'rewrap',
      'data.env',
      '-o',
      'west-only.env',
      '--config',
      'east.yaml',
      '--to',
      'west.yaml',
    );
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/rewrapped data\.env -> .*west-only\.env \(new data key, 1 master key\)/);
    const west = await envelope(dir, 'decrypt', 'west-only.env', '-o', 'w.bin', '--config', 'west.yaml');
    expect(west.code, west.stderr).to.equal(0);
    const east = await envelope(dir, 'decrypt', 'west-only.env', '-o', 'e.bin', '--config', 'east.yaml');
    expect(east.code).to.equal(5);
  });

  it('refuses --add for a signed message, saying what to do instead (exit code 2)', async () => {
    const run = await envelope(
      dir,
      'rewrap',
      'data.env',
      '-o',
      'add-signed.env',
      '--config',
      'east.yaml',
      '--to',
      'west.yaml',
      '--add',
    );
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/use mode 'replace'/);
    expect((await readdir(dir)).filter((f) => f.startsWith('add-signed'))).to.deep.equal([]);
  });

  it('refuses rewrap without --to (exit code 2)', async () => {
    const run = await envelope(dir, 'rewrap', 'data.env', '-o', 'x.env', '--config', 'east.yaml');
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/--to/);
  });

  it('reports config errors with the file and path, exit code 3', async () => {
    await writeFile(
      join(dir, 'bad.yaml'),
      'keyring: { type: raw-aes, keyNamespace: dr, keyName: x, key: "inline" }\n',
    );
    const run = await envelope(dir, 'encrypt', 'data.bin', '-o', 'x.env', '--config', 'bad.yaml');
    expect(run.code).to.equal(3);
    expect(run.stderr).to.match(/bad\.yaml: keyring\.key/);
  });

  it('refuses --json without --output, since stdout carries the data', async () => {
    const run = await envelope(dir, 'encrypt', 'data.bin', '--json', '--config', 'east.yaml');
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/--json needs --output/);
  });

  it('rejects unknown options with exit code 2', async () => {
    expect((await envelope(dir, 'encrypt', '--frobnicate')).code).to.equal(2);
  });
});
