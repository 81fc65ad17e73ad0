import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessKeysFileError, loadAccessKeysFile } from '@envelope/kms-server';
import { expect } from 'chai';
import { Fixture } from './helpers.js';

describe('access keys file', () => {
  const fx = new Fixture();
  after(() => fx.dispose());

  it('reads a YAML map of access key id → secret and principal', () => {
    const file = join(fx.dir(), 'keys.yaml');
    writeFileSync(
      file,
      'AKIDALICE:\n  secretAccessKey: alice-secret\n  principal: arn:aws:iam::111122223333:user/alice\n',
    );
    expect(loadAccessKeysFile(file)).to.deep.equal({
      AKIDALICE: { secretAccessKey: 'alice-secret', principal: 'arn:aws:iam::111122223333:user/alice' },
    });
  });

  it('names the file and path of a bad entry without echoing the secret', () => {
    const file = join(fx.dir(), 'keys.json');
    writeFileSync(file, JSON.stringify({ AKIDBOB: { secretAccessKey: 'bob-secret', principal: 'bob' } }));
    expect(() => loadAccessKeysFile(file))
      .to.throw(AccessKeysFileError)
      .with.property('message')
      .that.includes(file)
      .and.includes('AKIDBOB.principal')
      .and.not.includes('bob-secret');
  });
});
