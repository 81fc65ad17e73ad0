import { expect } from 'chai';
import { evaluatePolicy, KmsError, parsePolicy } from '../src/index.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/k';
const req = (over: Partial<Parameters<typeof evaluatePolicy>[1]> = {}) => ({
  principal: 'arn:aws:iam::111122223333:user/alice',
  callerAccount: '111122223333',
  action: 'kms:Decrypt',
  resourceArn: KEY,
  ...over,
});
const doc = (...Statement: object[]) => parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement }));

describe('key policy evaluation', () => {
  it('treats an account root principal and a bare account id as every principal of the account', () => {
    expect(
      evaluatePolicy(
        doc({
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'kms:*',
          Resource: '*',
        }),
        req(),
      ),
    ).to.equal('Allow');
    expect(
      evaluatePolicy(
        doc({ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'kms:Decrypt' }),
        req(),
      ),
    ).to.equal('Allow');
    expect(
      evaluatePolicy(doc({ Effect: 'Allow', Principal: { AWS: '444455556666' }, Action: 'kms:*' }), req()),
    ).to.equal('NoMatch');
  });

  it('lets an explicit Deny win over an Allow', () => {
    const d = doc(
      { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' },
      {
        Effect: 'Deny',
        Principal: { AWS: ['arn:aws:iam::111122223333:user/alice'] },
        Action: 'kms:Decrypt',
        Resource: KEY,
      },
    );
    expect(evaluatePolicy(d, req())).to.equal('Deny');
    expect(evaluatePolicy(d, req({ action: 'kms:Encrypt' }))).to.equal('Allow');
  });

  it('matches action wildcards case-insensitively and resources by ARN', () => {
    const d = doc({ Effect: 'Allow', Principal: '*', Action: 'kms:generate*', Resource: KEY });
    expect(evaluatePolicy(d, req({ action: 'kms:GenerateDataKey' }))).to.equal('Allow');
    expect(evaluatePolicy(d, req({ action: 'kms:Decrypt' }))).to.equal('NoMatch');
    expect(evaluatePolicy(d, req({ action: 'kms:GenerateDataKey', resourceArn: `${KEY}2` }))).to.equal(
      'NoMatch',
    );
  });

  it('evaluates StringEquals and StringLike on encryption context and caller account', () => {
    const d = doc({
      Effect: 'Allow',
      Principal: '*',
      Action: 'kms:Decrypt',
      Condition: {
        StringEquals: { 'kms:EncryptionContext:app': ['a', 'b'] },
        StringLike: { 'kms:CallerAccount': '1111*' },
      },
    });
    expect(evaluatePolicy(d, req({ encryptionContext: { app: 'b' } }))).to.equal('Allow');
    expect(evaluatePolicy(d, req({ encryptionContext: { app: 'c' } }))).to.equal('NoMatch');
    expect(evaluatePolicy(d, req())).to.equal('NoMatch');
  });

  it('rejects documents outside the supported subset', () => {
    for (const bad of [
      '[]',
      JSON.stringify({ Statement: [] }),
      JSON.stringify({ Statement: [{ Effect: 'Allow', NotPrincipal: '*', Action: 'kms:*' }] }),
      JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 'kms:*',
            Condition: { StringEquals: { 'aws:SourceIp': 'x' } },
          },
        ],
      }),
    ]) {
      expect(() => parsePolicy(bad))
        .to.throw(KmsError)
        .with.property('exceptionName', 'MalformedPolicyDocumentException');
    }
  });
});
