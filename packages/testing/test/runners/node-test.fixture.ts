// Run by runners.test.ts with `node --test`: @envelope/testing under node:test's own hooks.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { createEnvelope } from '@envelope/config';
import { useEmulator } from '@envelope/testing';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901';
const emulator = useEmulator(
  { before, after, beforeEach },
  { seed: { keys: [{ id: '2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901' }] } },
);

test('a production config runs against the seeded emulator', async () => {
  const app = await createEnvelope({
    configText: `keyring: { type: aws-kms, generator: "${ARN}" }`,
    env: { ENVELOPE_EMULATOR: '1' },
  });
  const { ciphertext } = await app.encrypt('node:test');
  assert.equal((await app.decrypt(ciphertext)).plaintext.toString(), 'node:test');
  assert.equal(emulator.auditLog({ operation: 'GenerateDataKey' }).length, 1);
});

test('each test starts from the seeded state', () => {
  assert.deepEqual(emulator.auditLog(), []);
});
