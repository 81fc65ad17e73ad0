import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);

describe('the disaster-recovery demo (one emulator server with three clouds + built envelope binary)', () => {
  it('wraps under AWS, GCP and Azure; each cloud alone decrypts; an outage write is repaired', async () => {
    const { ENVELOPE_CONFIG: _config, ENVELOPE_EMULATOR: _emulator, ...env } = process.env;
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--conditions=@envelope/source', 'scripts/demo-dr.ts'],
      { maxBuffer: 16 * 1024 * 1024, env },
    );
    // inspect: one wrapped key per cloud, with provider, cloud and location
    expect(stdout).to.match(
      /wrapped data keys 3\n {4}aws-kms {2}aws {2}eu-west-1 {2}arn:aws:kms:eu-west-1:\d{12}:key\/[-0-9a-f]{36}\n {4}gcp-kms {2}.+ {2}projects\/envelope-dr\/locations\/europe-west1\/keyRings\/dr\/cryptoKeys\/ledger\n {4}azure-kv {2}azure {2}drvault\.vault\.localhost {2}https:\/\/drvault\.vault\.localhost\/keys\/ledger\/[0-9a-f]{32}\n/,
    );
    // any two clouds down: the third decrypts, and only its own audit log shows an unwrap
    for (const [survivor, down] of [
      ['aws', 'gcp and azure'],
      ['gcp', 'aws and azure'],
      ['azure', 'aws and gcp'],
    ]) {
      expect(stdout).to.match(
        new RegExp(
          `take ${down} down, then decrypt with ${survivor} alone\\n.*\\n {2}plaintext matches; unwrapped by ${survivor}\\n`,
        ),
      );
    }
    // the outage write: two wraps, the skipped vault named with its cause
    expect(stdout).to.match(
      /warning: not wrapped by azure-kv\(https:\/\/drvault\.vault\.localhost\/keys\/ledger\): .*ECONNRESET/,
    );
    expect(stdout).to.match(/wrapped data keys 2\n {4}aws-kms .*\n {4}gcp-kms .*\n\n▶ azure is back/);
    // the repair: a new message with all three keys, which Azure alone decrypts
    expect(stdout).to.match(/re-adds its key \(a new message\)\n(.*\n)+? {2}wrapped data keys 3\n/);
    expect(stdout).to.match(/message id changed: yes\n/);
    expect(stdout).to.match(
      /decrypt the repaired message with azure alone\n.*\n {2}plaintext matches; unwrapped by azure\n/,
    );
    expect(stdout).to.not.match(/DOES NOT MATCH|message id changed: NO/);
  });
});
