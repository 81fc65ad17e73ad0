import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { onTerminal, TERMINAL_SCRIPT } from './support/run-envelope.js';

describe('the progress bar of a file → file encrypt and decrypt (the file mode)', () => {
  it('is drawn on a terminal, inline and on workers, and ends full; not with --quiet', async function () {
    this.timeout(120_000);
    if (!TERMINAL_SCRIPT) this.skip();
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
    const quiet = await onTerminal(dir, 'encrypt', 'plain.bin', '-o', 'q.env', '--quiet');
    expect(quiet).to.not.match(/ETA|%/);
    expect(existsSync(join(dir, 'q.env'))).to.equal(true);
  });

  it('is cleared when the operation fails, and the failure is reported', async function () {
    this.timeout(120_000);
    if (!TERMINAL_SCRIPT) this.skip();
    const dir = await mkdtemp(join(tmpdir(), 'envelope-file-progress-'));
    await writeFile(join(dir, 'k.key'), randomBytes(32));
    await writeFile(
      join(dir, 'envelope.yaml'),
      'keyring: { type: raw-aes, keyNamespace: p, keyName: k, key: { file: k.key } }\n',
    );
    await writeFile(join(dir, 'plain.bin'), randomBytes(3 * 1024 * 1024));
    await onTerminal(dir, 'encrypt', 'plain.bin', '-o', 'm.env');
    const message = await readFile(join(dir, 'm.env'));
    message[message.length - 100]! ^= 1; // a tag in the last job
    await writeFile(join(dir, 'bad.env'), message);
    const failed = await onTerminal(dir, 'decrypt', 'bad.env', '-o', 'out.bin');
    expect(failed).to.match(/decrypt \[/);
    expect(failed).to.not.match(/100%/);
    expect(failed).to.match(/not authentic/);
    expect(existsSync(join(dir, 'out.bin'))).to.equal(false);
  });
});
