import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { BIN } from './support/run-envelope.js';

/** Runs `envelope ...args` with a terminal for stdin/stdout/stderr (util-linux `script`): what the user sees. */
function onTerminal(script: string, cwd: string, ...args: string[]): Promise<string> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) =>
    execFile(
      script,
      ['-qec', command, '/dev/null'],
      { cwd, env: { ...process.env, ENVELOPE_CONFIG: '' } },
      (_e, stdout) => resolve(stdout),
    ),
  );
}

describe('the progress bar of a file → file encrypt and decrypt (the file mode)', () => {
  it('is drawn on a terminal, inline and on workers, and ends full; not with --quiet', async function () {
    this.timeout(120_000);
    const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
    if (!script) this.skip();
    const dir = await mkdtemp(join(tmpdir(), 'envelope-file-progress-'));
    await writeFile(join(dir, 'k.key'), randomBytes(32));
    await writeFile(
      join(dir, 'envelope.yaml'),
      'keyring: { type: raw-aes, keyNamespace: p, keyName: k, key: { file: k.key } }\n',
    );
    const plaintext = randomBytes(3 * 1024 * 1024 + 12_345);
    await writeFile(join(dir, 'plain.bin'), plaintext);
    for (const threads of ['0', '2']) {
      const sealed = await onTerminal(
        script!,
        dir,
        'encrypt',
        'plain.bin',
        '-o',
        `m${threads}.env`,
        '--threads',
        threads,
      );
      expect(sealed, `encrypt --threads ${threads}`).to.match(
        /encrypt \[[^\]]*\] 100% \| 3\.0 MiB\/3\.0 MiB \| [\d.]+ [KMG]?i?B\/s \| ETA/,
      );
      expect(sealed).to.match(/encrypted plain\.bin -> m\d\.env/);
      const opened = await onTerminal(
        script!,
        dir,
        'decrypt',
        `m${threads}.env`,
        '-o',
        `p${threads}.bin`,
        '--threads',
        threads,
      );
      expect(opened, `decrypt --threads ${threads}`).to.match(
        /decrypt \[[^\]]*\] 100% \| 3\.0 MiB\/3\.0 MiB \| /,
      );
      expect((await readFile(join(dir, `p${threads}.bin`))).equals(plaintext)).to.equal(true);
    }
    const quiet = await onTerminal(script!, dir, 'encrypt', 'plain.bin', '-o', 'q.env', '--quiet');
    expect(quiet).to.not.match(/ETA|%/);
    expect(existsSync(join(dir, 'q.env'))).to.equal(true);
  });

  it('is cleared when the operation fails, and the failure is reported', async function () {
    this.timeout(120_000);
    const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
    if (!script) this.skip();
    const dir = await mkdtemp(join(tmpdir(), 'envelope-file-progress-'));
    await writeFile(join(dir, 'k.key'), randomBytes(32));
    await writeFile(
      join(dir, 'envelope.yaml'),
      'keyring: { type: raw-aes, keyNamespace: p, keyName: k, key: { file: k.key } }\n',
    );
    await writeFile(join(dir, 'plain.bin'), randomBytes(3 * 1024 * 1024));
    await onTerminal(script!, dir, 'encrypt', 'plain.bin', '-o', 'm.env');
    const message = await readFile(join(dir, 'm.env'));
    message[message.length - 100]! ^= 1; // a tag in the last job
    await writeFile(join(dir, 'bad.env'), message);
    const failed = await onTerminal(script!, dir, 'decrypt', 'bad.env', '-o', 'out.bin');
    expect(failed).to.match(/decrypt \[/);
    expect(failed).to.not.match(/100%/);
    expect(failed).to.match(/not authentic/);
    expect(existsSync(join(dir, 'out.bin'))).to.equal(false);
  });
});
