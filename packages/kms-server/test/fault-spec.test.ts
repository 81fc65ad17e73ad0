import { FaultSpecError, faultSpecSchema, parseFaultSpec } from '@envelope/kms-server';
import { expect } from 'chai';

const VALID = [
  { throttle: { service: 'gcp', everyNth: 2 } },
  { latency: { ms: 5, region: 'eu-west-1' } },
  { fail: { error: 'DisabledException', operation: 'Decrypt' } },
  { down: { service: 'azure', location: 'vault1' } },
  { up: { service: 'aws', location: 'us-east-1' } },
  { regionDown: 'us-east-1' },
  { regionUp: 'us-east-1' },
  { clear: true },
];

describe('fault specs: one schema per member, the union derived from them', () => {
  it('accepts each kind of fault, with parseFaultSpec and the exported schema alike', () => {
    for (const spec of VALID) {
      expect(parseFaultSpec(spec), JSON.stringify(spec)).to.deep.equal(spec);
      expect(faultSpecSchema.safeParse(spec).success, JSON.stringify(spec)).to.equal(true);
    }
  });

  it('refuses two members, an unknown member and an unknown field in the schema too', () => {
    for (const spec of [
      { clear: true, regionUp: 'us-east-1' },
      { reboot: true },
      { throttle: { rate: 1 } },
    ]) {
      expect(faultSpecSchema.safeParse(spec).success, JSON.stringify(spec)).to.equal(false);
    }
  });

  it('names the problems inside the one member given, by their path under it', () => {
    const error = (() => {
      try {
        parseFaultSpec({ fail: { error: 'NoSuchException', probability: 2 } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).to.be.instanceOf(FaultSpecError);
    expect((error as Error).message).to.match(
      /^Expected exactly one of .*: fail\.probability: .*; fail\.error: must be an AWS KMS exception name/,
    );
  });
});
