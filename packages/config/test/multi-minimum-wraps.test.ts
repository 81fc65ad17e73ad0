import { randomBytes } from 'node:crypto';
import { createEnvelope } from '@envelope/config';
import { ConfigError, MultiKeyring } from '@envelope/core';
import { expect } from 'chai';

const env = { KEY_A: randomBytes(32).toString('base64'), KEY_B: randomBytes(32).toString('base64') };
const multi = (extra: string) => `
keyring:
  type: multi
  generator: { type: raw-aes, keyNamespace: app, keyName: a, key: { env: KEY_A } }
  children:
    - { type: raw-aes, keyNamespace: app, keyName: b, key: { env: KEY_B } }
  ${extra}
`;

describe('config: multi-keyring minimumWraps (writing during an outage)', () => {
  it('passes minimumWraps to the multi-keyring', async () => {
    const envelope = await createEnvelope({ configText: multi('minimumWraps: 1'), env });
    expect(envelope.keyring).to.be.instanceOf(MultiKeyring);
    expect((envelope.keyring as MultiKeyring).minimumWraps).to.equal(1);
    const { ciphertext, skippedMasterKeys } = await envelope.encrypt('x');
    expect(skippedMasterKeys).to.deep.equal([]);
    expect((await envelope.decrypt(ciphertext)).plaintext.toString()).to.equal('x');
  });

  it('leaves it unset by default: every wrap required', async () => {
    const envelope = await createEnvelope({ configText: multi(''), env });
    expect((envelope.keyring as MultiKeyring).minimumWraps).to.equal(undefined);
  });

  it('rejects a minimumWraps below 1, naming the path', async () => {
    const error = await createEnvelope({ configText: multi('minimumWraps: 0'), env }).catch((e: Error) => e);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.match(/keyring\.minimumWraps/);
  });
});
