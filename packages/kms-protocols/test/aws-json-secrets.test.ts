import { randomBytes } from 'node:crypto';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { expect } from 'chai';
import { dispatchAwsJson } from '../src/aws-json/index.js';

/** An engine with one key, recording what each call hands the engine and what it answers. */
async function recordingEngine() {
  const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  const ctx = engine.context('us-east-1');
  const { KeyMetadata } = (await engine.execute('CreateKey', {}, ctx)) as {
    KeyMetadata: { KeyId: string };
  };
  const inputs: Readonly<Record<string, unknown>>[] = [];
  const outputs: Record<string, unknown>[] = [];
  const execute = engine.execute.bind(engine);
  engine.execute = async (operation, input, context) => {
    inputs.push(input);
    const output = await execute(operation, input, context);
    outputs.push(output);
    return output;
  };
  const call = (operation: string, body: Record<string, unknown>) =>
    dispatchAwsJson(engine, {
      headers: { 'x-amz-target': `TrentService.${operation}` },
      body: JSON.stringify(body),
    });
  return { engine, keyId: KeyMetadata.KeyId, inputs, outputs, call };
}

const wiped = (bytes: unknown) => Buffer.from(bytes as Uint8Array).equals(Buffer.alloc(32));

describe('AWS JSON dispatch: secrets in a response', () => {
  it('zero-fills the data key plaintext once it is encoded into the response body', async () => {
    const { engine, keyId, outputs, call } = await recordingEngine();
    try {
      const gdk = await call('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' });
      expect(gdk.statusCode).to.equal(200);
      const answered = JSON.parse(gdk.body.toString('utf8')) as { Plaintext: string; CiphertextBlob: string };
      const dataKey = Buffer.from(answered.Plaintext, 'base64');
      expect(dataKey).to.have.length(32);
      expect(dataKey.equals(Buffer.alloc(32))).to.equal(false);
      expect(wiped(outputs[0]!.Plaintext), 'engine plaintext wiped').to.equal(true);

      // Decrypt answers the same key, and its plaintext buffer is wiped too.
      const decrypted = await call('Decrypt', { CiphertextBlob: answered.CiphertextBlob });
      const plain = JSON.parse(decrypted.body.toString('utf8')) as { Plaintext: string };
      expect(Buffer.from(plain.Plaintext, 'base64').equals(dataKey)).to.equal(true);
      expect(wiped(outputs[1]!.Plaintext)).to.equal(true);
    } finally {
      engine.close();
    }
  });

  it('zero-fills the plaintext an Encrypt request carries once the call is answered', async () => {
    const { engine, keyId, inputs, call } = await recordingEngine();
    try {
      const dataKey = randomBytes(32);
      const encrypted = await call('Encrypt', { KeyId: keyId, Plaintext: dataKey.toString('base64') });
      expect(encrypted.statusCode).to.equal(200);
      expect(inputs[0]!.Plaintext).to.have.length(32);
      expect(wiped(inputs[0]!.Plaintext), 'request plaintext wiped').to.equal(true);

      // It was wiped after use, not before: the ciphertext decrypts to the key sent.
      const { CiphertextBlob } = JSON.parse(encrypted.body.toString('utf8')) as { CiphertextBlob: string };
      const decrypted = await call('Decrypt', { CiphertextBlob });
      const plain = JSON.parse(decrypted.body.toString('utf8')) as { Plaintext: string };
      expect(Buffer.from(plain.Plaintext, 'base64').equals(dataKey)).to.equal(true);
    } finally {
      engine.close();
    }
  });

  it('zero-fills the plaintext of an Encrypt request that fails', async () => {
    const { engine, inputs, call } = await recordingEngine();
    try {
      const failed = await call('Encrypt', {
        KeyId: 'alias/none',
        Plaintext: randomBytes(32).toString('base64'),
      });
      expect(failed.statusCode).to.equal(400);
      expect(wiped(inputs[0]!.Plaintext), 'request plaintext wiped').to.equal(true);
    } finally {
      engine.close();
    }
  });
});
