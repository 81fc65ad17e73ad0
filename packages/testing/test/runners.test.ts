import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const exec = promisify(execFile);
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

// Vitest and Jest are proved from the packed tarball in the root test/consumer.test.ts.
describe('@envelope/testing under other runners', () => {
  it('works with node:test (useEmulator given node:test’s before/after/beforeEach)', async () => {
    const { stdout } = await exec(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@envelope/source',
        '--test',
        '--test-reporter=tap',
        'test/runners/node-test.fixture.ts',
      ],
      { cwd: PACKAGE },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`node --test failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    expect(stdout).to.match(/^# pass 2$/m);
    expect(stdout).to.match(/^# fail 0$/m);
  });
});
