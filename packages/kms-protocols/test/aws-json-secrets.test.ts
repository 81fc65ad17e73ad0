import { randomBytes } from 'node:crypto';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { expect } from 'chai';
import { dispatchAwsJson } from '../src/aws-json/index.js';

describe('AWS JSON dispatch: secrets in a response', () => {
  it('zero-fills the data key plaintext once it is encoded into the response body', async () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    try {
      const ctx = engine.context('us-east-1');
      const { KeyMetadata } = (await engine.execute('CreateKey', {}, ctx)) as {
        KeyMetadata: { KeyId: string };
      };
      const outputs: Record<string, unknown>[] = [];
      const execute = engine.execute.bind(engine);
      engine.execute = async (...args) => {
        const output = await execute(...args);
        outputs.push(output);
        return output;
      };
      const call = (operation: string, body: Record<string, unknown>) =>
        dispatchAwsJson(engine, {
          headers: { 'x-amz-target': `TrentService.${operation}` },
          body: JSON.stringify(body),
        });
      const gdk = await call('GenerateDataKey', { KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' });
      expect(gdk.statusCode).to.equal(200);
      const answered = JSON.parse(gdk.body.toString('utf8')) as { Plaintext: string; CiphertextBlob: string };
      const dataKey = Buffer.from(answered.Plaintext, 'base64');
      expect(dataKey).to.have.length(32);
      expect(dataKey.equals(Buffer.alloc(32))).to.equal(false);
      const held = outputs[0]!.Plaintext as Uint8Array;
      expect(Buffer.from(held).equals(Buffer.alloc(32)), 'engine plaintext wiped').to.equal(true);

      // Decrypt answers the same key, and its plaintext buffer is wiped too.
      const decrypted = await call('Decrypt', { CiphertextBlob: answered.CiphertextBlob });
      const plain = JSON.parse(decrypted.body.toString('utf8')) as { Plaintext: string };
      expect(Buffer.from(plain.Plaintext, 'base64').equals(dataKey)).to.equal(true);
      expect(Buffer.from(outputs[1]!.Plaintext as Uint8Array).equals(Buffer.alloc(32))).to.equal(true);
    } finally {
      engine.close();
    }
  });

  it('zero-fills the plaintext an Encrypt request carries once the call is answered', async () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    try {
      const ctx = engine.context('us-east-1');
      const { KeyMetadata } = (await engine.execute('CreateKey', {}, ctx)) as {
        KeyMetadata: { KeyId: string };
      };
      const inputs: Readonly<Record<string, unknown>>[] = [];
      const execute = engine.execute.bind(engine);
      engine.execute = (operation, input, context) => {
        inputs.push(input);
        return execute(operation, input, context);
      };
      const call = (operation: string, body: Record<string, unknown>) =>
        dispatchAwsJson(engine, {
          headers: { 'x-amz-target': `TrentService.${operation}` },
          body: JSON.stringify(body),
        });
      const dataKey = randomBytes(32);
      const encrypted = await call('Encrypt', {
        KeyId: KeyMetadata.KeyId,
        Plaintext: dataKey.toString('base64'),
      });
      expect(encrypted.statusCode).to.equal(200);
      const held = inputs[0]!.Plaintext as Uint8Array;
      expect(held).to.have.length(32);
      expect(Buffer.from(held).equals(Buffer.alloc(32)), 'request plaintext wiped').to.equal(true);

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
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    try {
      const inputs: Readonly<Record<string, unknown>>[] = [];
      const execute = engine.execute.bind(engine);
      engine.execute = (operation, input, context) => {
        inputs.push(input);
        return execute(operation, input, context);
      };
      const failed = await dispatchAwsJson(engine, {
        headers: { 'x-amz-target': 'TrentService.Encrypt' },
        body: JSON.stringify({ KeyId: 'alias/none', Plaintext: randomBytes(32).toString('base64') }),
      });
      expect(failed.statusCode).to.equal(400);
      const held = inputs[0]!.Plaintext as Uint8Array;
      expect(Buffer.from(held).equals(Buffer.alloc(32)), 'request plaintext wiped').to.equal(true);
    } finally {
      engine.close();
    }
  });
});
