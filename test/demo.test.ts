import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);

describe('the README demo', () => {
  it('encrypts a file under two keys and decrypts it with each key alone', async () => {
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      '--conditions=@envelope/source',
      'scripts/demo.ts',
    ]);
    expect(stdout).to.match(/suite 0x0578/);
    expect(stdout).to.match(/decrypted with the primary key alone: plaintext matches/);
    expect(stdout).to.match(/decrypted with the backup key alone: plaintext matches/);
  });
});
