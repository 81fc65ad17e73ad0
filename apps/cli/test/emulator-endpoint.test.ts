import { expect } from 'chai';
import { DEFAULT_EMULATOR_URL, emulatorEndpoint } from '../src/commands/emulator-endpoint.js';

describe('envelope keys: where the emulator is (ENVELOPE_EMULATOR, one name)', () => {
  const run = (env: NodeJS.ProcessEnv) => {
    const warnings: string[] = [];
    return { url: emulatorEndpoint(env, (line) => warnings.push(line)), warnings };
  };

  it('takes a URL from ENVELOPE_EMULATOR, the variable the config switch reads', () => {
    expect(run({ ENVELOPE_EMULATOR: 'http://kms:4599' })).to.deep.equal({
      url: 'http://kms:4599',
      warnings: [],
    });
  });

  it('falls back to the default server when ENVELOPE_EMULATOR means in-process (1/true) or is unset', () => {
    expect(run({ ENVELOPE_EMULATOR: '1' }).url).to.equal(DEFAULT_EMULATOR_URL);
    expect(run({})).to.deep.equal({ url: DEFAULT_EMULATOR_URL, warnings: [] });
  });

  it('still reads the deprecated ENVELOPE_KMS_URL, with a warning naming its replacement', () => {
    const legacy = run({ ENVELOPE_KMS_URL: 'http://old:4599' });
    expect(legacy.url).to.equal('http://old:4599');
    expect(legacy.warnings).to.have.length(1);
    expect(legacy.warnings[0]).to.match(/ENVELOPE_KMS_URL is deprecated; set ENVELOPE_EMULATOR/);
    expect(run({ ENVELOPE_KMS_URL: 'http://old:4599', ENVELOPE_EMULATOR: 'http://new:4599' })).to.deep.equal({
      url: 'http://new:4599',
      warnings: [],
    });
  });
});
