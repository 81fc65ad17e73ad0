import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);

describe('the disaster-recovery demo (emulator server + built envelope binary)', () => {
  it('decrypts with two of three regions down and after rewrapping to a fourth region', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--conditions=@envelope/source', 'scripts/demo-dr.ts'],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stdout).to.match(/wrapped data keys 3/);
    expect(stdout).to.match(/plaintext matches; audit log: Decrypt served by ap-southeast-2\n/);
    expect(stdout).to.match(/wrapped data keys 4/);
    expect(stdout).to.match(/decrypt with only us-west-2 up\n.*\n\s+plaintext matches/);
    expect(stdout).to.not.match(/DOES NOT MATCH/);
  });
});
