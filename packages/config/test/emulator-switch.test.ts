import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEnvelope, inProcessEmulatorTarget } from '@envelope/config';
import { KeyringError } from '@envelope/core';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { expect } from 'chai';

const CONFIG = (generator: string, child: string) => `
keyring:
  type: multi
  generator: { type: aws-kms, generator: "${generator}" }
  children: [ { type: aws-kms, keyIds: [ "${child}" ] } ]
`;

describe('the emulator switch', () => {
  it('points aws-kms keyrings at an in-process emulator with no change to the keyring config', async () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const create = async (region: string) =>
      ((await engine.execute('CreateKey', {}, engine.context(region))) as { KeyMetadata: { Arn: string } })
        .KeyMetadata.Arn;
    const [east, west] = [await create('us-east-1'), await create('us-west-2')];
    const envelope = await createEnvelope({
      configText: CONFIG(east, west),
      emulator: inProcessEmulatorTarget(engine),
    });
    const { ciphertext } = await envelope.encrypt('hello', { encryptionContext: { app: 'demo' } });
    expect((await envelope.decrypt(ciphertext)).plaintext.toString()).to.equal('hello');
    const calls = engine.auditLog({}).map((e) => `${e.eventName}@${e.awsRegion}`);
    expect(calls).to.include.members(['GenerateDataKey@us-east-1', 'Encrypt@us-west-2', 'Decrypt@us-east-1']);
  });

  it('turns on from the config file alone (emulator: true) and never reaches AWS', async () => {
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const envelope = await createEnvelope({ configText: `emulator: true\n${CONFIG(arn, arn)}`, env: {} });
    expect(envelope.emulator?.url).to.equal(undefined);
    const error = (await envelope.encrypt('x').catch((e: Error) => e)) as Error;
    expect(error).to.be.instanceOf(KeyringError);
    expect(error.message).to.match(/NotFoundException/);
  });

  it('turns on from ENVELOPE_EMULATOR with a server URL, where the aws-kms calls then go', async () => {
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const targets: string[] = [];
    // A stand-in server: records the KMS operation and answers as KMS does for an unknown key.
    const server = createServer((request, response) => {
      targets.push(String(request.headers['x-amz-target']));
      request.resume().on('end', () => {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'NotFoundException', message: 'no such key' }));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const envelope = await createEnvelope({
        configText: CONFIG(arn, arn),
        env: { ENVELOPE_EMULATOR: url },
      });
      expect(envelope.emulator?.url).to.equal(url);
      const error = (await envelope.encrypt('x').catch((e: Error) => e)) as Error;
      expect(error.message).to.match(/NotFoundException/);
      expect(targets).to.deep.equal(['TrentService.GenerateDataKey']);
    } finally {
      server.close();
    }
  });

  it("offers an 'emulator' keyring that creates its alias on first use and writes envelope-emulator EDKs", async () => {
    const envelope = await createEnvelope({
      configText: 'emulator: true\nkeyring: { type: emulator, key: alias/tests }',
      env: {},
    });
    const { ciphertext, header } = await envelope.encrypt('offline');
    expect(header.encryptedDataKeys[0]!.providerId).to.equal('envelope-emulator');
    expect((await envelope.decrypt(ciphertext)).plaintext.toString()).to.equal('offline');
  });

  it("refuses the 'emulator' keyring without the emulator switch", async () => {
    const error = await createEnvelope({
      configText: 'keyring: { type: emulator, key: alias/tests }',
      env: {},
    }).catch((e: Error) => e);
    expect((error as Error).message).to.match(/needs the emulator switch/);
  });
});
