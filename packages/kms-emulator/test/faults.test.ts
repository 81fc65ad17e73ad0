import { CreateKeyCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { createKmsRequestHandler, type KmsRequestHandler } from '@envelope/kms-protocols';
import { expect } from 'chai';
import { bytes, harness, rejection } from './helpers.js';

describe('faults on demand', () => {
  it('throttles every Nth call of an operation with ThrottlingException', async () => {
    const h = harness('memory');
    const kms = h.client();
    try {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const fault = h.engine.faults.throttle({ operation: 'Encrypt', everyNth: 2 });
      await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('1') }));
      const err = await rejection(kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('2') })));
      expect(err.name).to.equal('ThrottlingException');
      expect(err.$metadata?.httpStatusCode).to.equal(400);
      await kms.send(new DescribeKeyCommand({ KeyId }));
      fault.remove();
      await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('3') }));
      await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('4') }));
      expect(h.engine.auditLog().filter((e) => e.errorCode === 'ThrottlingException')).to.have.length(1);
    } finally {
      h.dispose();
    }
  });

  it('throttles with a probability, and the SDK retries through it', async () => {
    const h = harness('memory');
    try {
      h.engine.faults.throttle({ probability: 1, operation: 'CreateKey' });
      const err = await rejection(h.client().send(new CreateKeyCommand({})));
      expect(err.name).to.equal('ThrottlingException');
      h.engine.faults.clear();
      const handle = h.engine.faults.throttle({ operation: 'CreateKey', everyNth: 2 });
      const retrying = h.client('us-east-1', { maxAttempts: 3 });
      await retrying.send(new CreateKeyCommand({})); // call 1 passes
      await retrying.send(new CreateKeyCommand({})); // call 2 throttled, retry passes
      handle.remove();
    } finally {
      h.dispose();
    }
  });

  it('adds latency to matching operations', async () => {
    const h = harness('memory');
    try {
      h.engine.faults.latency({ operation: 'CreateKey', ms: 150 });
      const started = Date.now();
      await h.client().send(new CreateKeyCommand({}));
      expect(Date.now() - started).to.be.at.least(140);
    } finally {
      h.dispose();
    }
  });

  it('fails every call in a region marked down like a network outage, other regions unaffected', async () => {
    const h = harness('memory');
    try {
      h.engine.faults.regionDown('us-east-1');
      const err = await rejection(h.client('us-east-1').send(new CreateKeyCommand({})));
      expect((err as Error & { code?: string }).code).to.equal('ECONNREFUSED');
      expect(err.$metadata?.httpStatusCode).to.equal(undefined);
      await h.client('eu-west-1').send(new CreateKeyCommand({}));
      expect(h.engine.auditLog().map((e) => e.awsRegion)).to.deep.equal(['eu-west-1']);
      h.engine.faults.regionUp('us-east-1');
      await h.client('us-east-1').send(new CreateKeyCommand({}));
    } finally {
      h.dispose();
    }
  });

  it('takes the region from the Host when there is no SigV4 scope', async () => {
    const h = harness('memory');
    try {
      const client = new KMSClient({
        region: 'ap-south-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        requestHandler: {
          handle: (request: Parameters<KmsRequestHandler['handle']>[0]) => {
            delete request.headers.authorization;
            return handler.handle(request);
          },
        },
        maxAttempts: 1,
      });
      const handler = createKmsRequestHandler(h.engine);
      const { KeyMetadata } = await client.send(new CreateKeyCommand({}));
      expect(KeyMetadata!.Arn).to.contain(':ap-south-1:');
      client.destroy();
    } finally {
      h.dispose();
    }
  });
});

describe('injected failures', () => {
  it('answers any AWS exception with its status, e.g. KMSInternalException as 500', async () => {
    const h = harness('memory');
    try {
      const fault = h.engine.faults.fail({ operation: 'CreateKey', exception: 'KMSInternalException' });
      const err = await rejection(h.client().send(new CreateKeyCommand({})));
      expect(err.name).to.equal('KMSInternalException');
      expect(err.$metadata?.httpStatusCode).to.equal(500);
      fault.remove();
      h.engine.faults.fail({ exception: 'DependencyTimeoutException', everyNth: 1, region: 'eu-west-1' });
      await h.client().send(new CreateKeyCommand({}));
      const timeout = await rejection(h.client('eu-west-1').send(new CreateKeyCommand({})));
      expect(timeout.name).to.equal('DependencyTimeoutException');
      expect(timeout.$metadata?.httpStatusCode).to.equal(500);
    } finally {
      h.dispose();
    }
  });
});
