import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GetKeyPolicyCommand,
  type GrantOperation,
  type KMSClient,
  ListGrantsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';
import { ACCOUNT, Fixture } from './helpers.js';

/**
 * Access matrix with SigV4 on: principals × operations × key policies (with conditions) × grants ×
 * encryption contexts, every call through the real AWS SDK to the server. The expected decision comes
 * from the small oracle below — plain-language rules written per policy and per grant set, not the
 * emulator's evaluator. `ACCESS_MATRIX=full` runs the longer setting (docs/reliability.md).
 */
const FULL = process.env.ACCESS_MATRIX === 'full';
const A = ACCOUNT;
const B = '444455556666';
const C = '777788889999';

interface Principal {
  readonly name: string;
  readonly arn: string;
  readonly account: string;
}
const principal = (name: string, arn: string): Principal => ({
  name,
  arn,
  account: /::(\d{12}):/.exec(arn)![1]!,
});
/** Creates the keys, grants and ciphertexts; named in each policy's administrator statement. */
const ADMIN = principal('admin', `arn:aws:iam::${A}:user/admin`);
/** In a policy the account root stands for every principal of its account (README: no IAM layer). */
const ROOT = principal('rootA', `arn:aws:iam::${A}:root`);
const ALICE = principal('alice', `arn:aws:iam::${A}:user/alice`);
const BOB = principal('bob', `arn:aws:iam::${A}:role/app`);
const CAROL = principal('carol', `arn:aws:iam::${B}:user/carol`);
const EVE = principal('eve', `arn:aws:iam::${C}:user/eve`);
const PRINCIPALS: Principal[] = [
  ADMIN,
  ROOT,
  ALICE,
  BOB,
  CAROL,
  EVE,
  ...(FULL
    ? [
        principal('session', `arn:aws:sts::${A}:assumed-role/app/session-1`),
        principal('rootB', `arn:aws:iam::${B}:root`),
        principal('dave', `arn:aws:iam::${B}:user/dave`),
      ]
    : []),
];

type Context = Readonly<Record<string, string>>;
const CONTEXTS: Context[] = [
  {},
  { tenant: 'a' },
  { tenant: 'b' },
  { tenant: 'a', class: 'restricted' },
  ...(FULL
    ? [
        { tenant: 'b2' },
        { tenant: 'A' },
        { tenant: 'a', class: 'public' },
        { class: 'restricted\ufffd' },
        // Encodes to the same UTF-8 bytes as 'restricted\ufffd': the cryptography cannot tell them apart.
        { class: 'restricted\ud800' },
      ]
    : []),
];

type Verdict = 'allow' | 'deny' | 'none';
/** What a key policy says about one action (`Decrypt`, `ReEncryptFrom` …) for one caller and context. */
type PolicyOracle = (p: Principal, action: string, ctx: Context) => Verdict;

const CRYPTO = ['Encrypt', 'Decrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext'];
/** The UTF-8 bytes a string stands for (lone surrogates encode as U+FFFD). */
const utf8 = (s: string | undefined) =>
  s === undefined ? undefined : Buffer.from(s, 'utf8').toString('hex');
const rootAll = { Effect: 'Allow', Principal: { AWS: ROOT.arn }, Action: 'kms:*', Resource: '*' };
const adminAll = { Effect: 'Allow', Principal: { AWS: ADMIN.arn }, Action: 'kms:*', Resource: '*' };

const POLICIES: { name: string; document: object; oracle: PolicyOracle }[] = [
  {
    name: 'default: account A has kms:*',
    document: { Statement: [rootAll] },
    oracle: (p) => (p.account === A ? 'allow' : 'none'),
  },
  {
    name: 'alice may use the key for cryptography',
    document: {
      Statement: [
        adminAll,
        {
          Effect: 'Allow',
          Principal: { AWS: ALICE.arn },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'],
        },
      ],
    },
    oracle: (p, action) => (p === ADMIN || (p === ALICE && CRYPTO.includes(action)) ? 'allow' : 'none'),
  },
  {
    name: 'account A decrypts tenant a; carol (account B) encrypts tenant b*',
    document: {
      Statement: [
        adminAll,
        {
          Effect: 'Allow',
          Principal: { AWS: A },
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'a' } },
        },
        {
          Effect: 'Allow',
          Principal: { AWS: [CAROL.arn] },
          Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: {
            StringLike: { 'kms:EncryptionContext:tenant': 'b*' },
            StringEquals: { 'kms:CallerAccount': B },
          },
        },
      ],
    },
    oracle: (p, action, ctx) => {
      if (p === ADMIN) return 'allow';
      if (p.account === A && action === 'Decrypt' && ctx.tenant === 'a') return 'allow';
      if (
        p === CAROL &&
        (action === 'Encrypt' || action === 'GenerateDataKey') &&
        ctx.tenant?.startsWith('b')
      )
        return 'allow';
      return 'none';
    },
  },
  {
    name: 'everyone kms:*, but alice never decrypts and nobody re-encrypts restricted data',
    document: {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' },
        { Effect: 'Deny', Principal: { AWS: ALICE.arn }, Action: 'kms:Decrypt', Resource: '*' },
        {
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:ReEncrypt*',
          Resource: '*',
          Condition: { StringEquals: { 'kms:EncryptionContext:class': 'restricted' } },
        },
      ],
    },
    oracle: (p, action, ctx) => {
      if (p === ALICE && action === 'Decrypt') return 'deny';
      if (action.startsWith('ReEncrypt') && ctx.class === 'restricted') return 'deny';
      return 'allow';
    },
  },
  {
    name: 'admin administers only; bob describes; eve is denied everything',
    document: {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ADMIN.arn },
          Action: [
            'kms:DescribeKey',
            'kms:GetKeyPolicy',
            'kms:PutKeyPolicy',
            'kms:Encrypt',
            'kms:CreateGrant',
          ],
          Resource: '*',
        },
        {
          Effect: 'Allow',
          Principal: { AWS: BOB.arn },
          Action: 'kms:DescribeKey',
          Resource: `arn:aws:kms:*:${A}:key/*`,
        },
        { Effect: 'Deny', Principal: { AWS: EVE.arn }, Action: 'kms:*', Resource: '*' },
      ],
    },
    oracle: (p, action) => {
      if (p === EVE) return 'deny';
      if (p === ADMIN && ['DescribeKey', 'GetKeyPolicy', 'Encrypt'].includes(action)) return 'allow';
      if (p === BOB && action === 'DescribeKey') return 'allow';
      return 'none';
    },
  },
  {
    name: 'alice and carol use the key; nobody decrypts class "restricted\\ufffd" (as UTF-8 bytes)',
    document: {
      Statement: [
        adminAll,
        {
          Effect: 'Allow',
          Principal: { AWS: [ALICE.arn, CAROL.arn] },
          Action: ['kms:Encrypt', 'kms:Decrypt'],
        },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'kms:EncryptionContext:class': 'restricted\ufffd' } },
        },
      ],
    },
    oracle: (p, action, ctx) => {
      if (action === 'Decrypt' && utf8(ctx.class) === utf8('restricted\ufffd')) return 'deny';
      if (p === ADMIN) return 'allow';
      if ((p === ALICE || p === CAROL) && (action === 'Encrypt' || action === 'Decrypt')) return 'allow';
      return 'none';
    },
  },
];

/** Grants made on the "with grants" copy of each key. */
const GRANTS: { grantee: string; operations: GrantOperation[]; subset?: Context; equals?: Context }[] = [
  { grantee: ALICE.arn, operations: ['Encrypt', 'Decrypt'], subset: { tenant: 'b' } },
  {
    grantee: CAROL.arn,
    operations: ['Encrypt', 'Decrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext'],
  },
  { grantee: BOB.arn, operations: ['ReEncryptFrom', 'ReEncryptTo'], equals: { tenant: 'a' } },
  { grantee: `arn:aws:iam::${B}:root`, operations: ['DescribeKey'] },
];
/** The grants oracle: which grant lets whom do what, read off the table above by hand. */
function grantAllows(p: Principal, action: string, ctx: Context): boolean {
  const keys = Object.keys(ctx);
  if (p === ALICE) return (action === 'Encrypt' || action === 'Decrypt') && ctx.tenant === 'b';
  if (p === CAROL) return CRYPTO.includes(action) || action === 'DescribeKey';
  if (p === BOB) return action.startsWith('ReEncrypt') && keys.length === 1 && ctx.tenant === 'a';
  if (p.account === B) return action === 'DescribeKey';
  return false;
}

interface Operation {
  readonly name: string;
  /** The policy actions the call needs, all of them. */
  readonly actions: readonly string[];
  readonly usesContext: boolean;
  send(kms: KMSClient, key: MatrixKey, ctx: Context): Promise<unknown>;
}
interface MatrixKey {
  readonly arn: string;
  readonly keyId: string;
  readonly policy: (typeof POLICIES)[number];
  readonly granted: boolean;
  /** Ciphertext per context (index in CONTEXTS), made by the key's administrator. */
  readonly blobs: Uint8Array[];
}
const ctxIndex = (ctx: Context) => CONTEXTS.indexOf(ctx);
const OPERATIONS: Operation[] = [
  {
    name: 'Encrypt',
    actions: ['Encrypt'],
    usesContext: true,
    send: (kms, key, ctx) =>
      kms.send(new EncryptCommand({ KeyId: key.arn, Plaintext: Buffer.from('m'), EncryptionContext: ctx })),
  },
  {
    name: 'Decrypt',
    actions: ['Decrypt'],
    usesContext: true,
    send: (kms, key, ctx) =>
      kms.send(
        new DecryptCommand({
          KeyId: key.arn,
          CiphertextBlob: key.blobs[ctxIndex(ctx)]!,
          EncryptionContext: ctx,
        }),
      ),
  },
  {
    name: 'GenerateDataKey',
    actions: ['GenerateDataKey'],
    usesContext: true,
    send: (kms, key, ctx) =>
      kms.send(new GenerateDataKeyCommand({ KeyId: key.arn, KeySpec: 'AES_256', EncryptionContext: ctx })),
  },
  {
    name: 'GenerateDataKeyWithoutPlaintext',
    actions: ['GenerateDataKeyWithoutPlaintext'],
    usesContext: true,
    send: (kms, key, ctx) =>
      kms.send(
        new GenerateDataKeyWithoutPlaintextCommand({
          KeyId: key.arn,
          NumberOfBytes: 32,
          EncryptionContext: ctx,
        }),
      ),
  },
  {
    name: 'ReEncrypt',
    actions: ['ReEncryptFrom', 'ReEncryptTo'],
    usesContext: true,
    send: (kms, key, ctx) =>
      kms.send(
        new ReEncryptCommand({
          CiphertextBlob: key.blobs[ctxIndex(ctx)]!,
          SourceKeyId: key.arn,
          SourceEncryptionContext: ctx,
          DestinationKeyId: key.arn,
          DestinationEncryptionContext: ctx,
        }),
      ),
  },
  {
    name: 'DescribeKey',
    actions: ['DescribeKey'],
    usesContext: false,
    send: (kms, key) => kms.send(new DescribeKeyCommand({ KeyId: key.arn })),
  },
  {
    name: 'GetKeyPolicy',
    actions: ['GetKeyPolicy'],
    usesContext: false,
    send: (kms, key) => kms.send(new GetKeyPolicyCommand({ KeyId: key.arn })),
  },
  ...(FULL
    ? [
        {
          name: 'ListGrants',
          actions: ['ListGrants'],
          usesContext: false,
          send: (kms: KMSClient, key: MatrixKey) => kms.send(new ListGrantsCommand({ KeyId: key.arn })),
        },
      ]
    : []),
];

function expectedAllowed(key: MatrixKey, p: Principal, op: Operation, ctx: Context): boolean {
  return op.actions.every((action) => {
    const verdict = key.policy.oracle(p, action, ctx);
    if (verdict === 'deny') return false;
    if (verdict === 'allow') return true;
    return key.granted && grantAllows(p, action, ctx);
  });
}

/** Documents outside the grammar: each must be refused, at CreateKey and at PutKeyPolicy. */
const MALFORMED: object[] = [
  { Statement: [rootAll, { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Conditions: {} }] },
  { Statement: [rootAll, { Effect: 'Deny', Principal: { aws: ALICE.arn }, Action: 'kms:Decrypt' }] },
  { Statement: [rootAll, { Effect: 'Deny', Principal: ALICE.arn, Action: 'kms:Decrypt' }] },
  { Statement: [rootAll, { Effect: 'Deny', Principal: { AWS: 111122223333 }, Action: 'kms:Decrypt' }] },
  {
    Statement: [rootAll, { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${A}:user/*` }, Action: 'kms:*' }],
  },
  {
    Statement: [rootAll, { Effect: 'Deny', Principal: '*', notAction: 'kms:Encrypt', Action: 'kms:Decrypt' }],
  },
  { Statement: [rootAll, { Effect: 'Deny', Principal: '*', NotAction: 'kms:Encrypt' }] },
  { Statement: [rootAll, { Effect: 'Deny', NotPrincipal: { AWS: ROOT.arn }, Action: 'kms:*' }] },
  { Statement: [rootAll, { Effect: 'Deny', Principal: { Service: 'logs.amazonaws.com' }, Action: 'kms:*' }] },
  { Statement: [rootAll, { Effect: 'Deny', Principal: '*', Action: 'kms:Decrpyt' }] },
  { Statement: [rootAll, { Effect: 'deny', Principal: '*', Action: 'kms:Decrypt' }] },
  {
    Statement: [
      rootAll,
      { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: 'arn:aws:s3:::b' },
    ],
  },
  {
    Statement: [
      rootAll,
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:Decrypt',
        Condition: { StringNotEquals: { 'kms:EncryptionContext:a': 'b' } },
      },
    ],
  },
  {
    Statement: [
      rootAll,
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:Decrypt',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  },
  {
    Statement: [
      rootAll,
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:encryptionContext:a': 'b' } },
      },
    ],
  },
  {
    Statement: [
      rootAll,
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:CallerAccount': '1' } },
      },
    ],
  },
  { Statements: [rootAll] },
  { Version: '2012-10-18', Statement: [rootAll] },
  { Statement: [] },
];

describe('access matrix (SigV4 on, real AWS SDK)', function () {
  if (FULL) this.timeout(0);
  const fx = new Fixture();
  let server: KmsServer;
  const clients = new Map<Principal, KMSClient>();

  before(async () => {
    server = await fx.server({
      accessKeys: Object.fromEntries(
        PRINCIPALS.map((p) => [
          `AKID${p.name.toUpperCase()}`,
          { secretAccessKey: `${p.name}-secret`, principal: p.arn },
        ]),
      ),
    });
    for (const p of PRINCIPALS) {
      clients.set(
        p,
        fx.client(server.url, {
          credentials: { accessKeyId: `AKID${p.name.toUpperCase()}`, secretAccessKey: `${p.name}-secret` },
        }),
      );
    }
  });
  after(() => fx.dispose());

  it('allows exactly what the oracle allows, denies and audits the rest, and refuses malformed policies', async () => {
    const admin = clients.get(ADMIN)!;
    const keys: MatrixKey[] = [];
    for (const policy of POLICIES) {
      for (const granted of [false, true]) {
        const Policy = JSON.stringify({ Version: '2012-10-17', ...policy.document });
        const { KeyMetadata } = await admin.send(new CreateKeyCommand({ Policy }));
        const arn = KeyMetadata!.Arn!;
        if (granted) {
          for (const g of GRANTS) {
            await admin.send(
              new CreateGrantCommand({
                KeyId: arn,
                GranteePrincipal: g.grantee,
                Operations: g.operations,
                ...(g.subset || g.equals
                  ? {
                      Constraints: {
                        ...(g.subset ? { EncryptionContextSubset: g.subset } : {}),
                        ...(g.equals ? { EncryptionContextEquals: g.equals } : {}),
                      },
                    }
                  : {}),
              }),
            );
          }
        }
        const blobs: Uint8Array[] = [];
        for (const ctx of CONTEXTS) {
          const out = await admin.send(
            new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from('m'), EncryptionContext: ctx }),
          );
          blobs.push(out.CiphertextBlob!);
        }
        keys.push({ arn, keyId: KeyMetadata!.KeyId!, policy, granted, blobs });
      }
    }

    const counts = { calls: 0, allowed: 0, denied: 0, wrongfulAllows: 0, wrongfulDenies: 0, otherErrors: 0 };
    const mistakes: string[] = [];
    const expectedDenials = new Map<string, number>();
    // Enumerated in a fixed order; sent 8 at a time (no call changes what another may do).
    const cases: { key: MatrixKey; op: Operation; p: Principal; ctx: Context }[] = [];
    for (const key of keys)
      for (const op of OPERATIONS)
        for (const p of PRINCIPALS)
          for (const ctx of op.usesContext ? CONTEXTS : [{}]) cases.push({ key, op, p, ctx });
    const run = async ({ key, op, p, ctx }: (typeof cases)[number]) => {
      const want = expectedAllowed(key, p, op, ctx);
      const label = `${op.name} by ${p.name} on [${key.policy.name}${key.granted ? ' + grants' : ''}] with ${JSON.stringify(ctx)}`;
      counts.calls++;
      let got: 'allowed' | 'denied' | string;
      try {
        await op.send(clients.get(p)!, key, ctx);
        got = 'allowed';
      } catch (error) {
        got = (error as Error).name === 'AccessDeniedException' ? 'denied' : (error as Error).name;
      }
      if (got === 'allowed') counts.allowed++;
      else if (got === 'denied') counts.denied++;
      if (want && got === 'denied') counts.wrongfulDenies++;
      if (!want && got === 'allowed') counts.wrongfulAllows++;
      if (got !== 'allowed' && got !== 'denied') counts.otherErrors++;
      if ((want ? 'allowed' : 'denied') !== got)
        mistakes.push(`${label}: expected ${want ? 'allow' : 'deny'}, got ${got}`);
      if (!want) {
        const id = `${key.keyId} ${op.name} ${p.arn}`;
        expectedDenials.set(id, (expectedDenials.get(id) ?? 0) + 1);
      }
    };
    for (let i = 0; i < cases.length; i += 8) await Promise.all(cases.slice(i, i + 8).map(run));

    // Every denial is audited: one AccessDeniedException row per denied call, naming caller, operation, key.
    const audited = new Map<string, number>();
    for (const key of keys) {
      for (const e of server.engine.auditLog({ keyId: key.keyId })) {
        if (e.errorCode !== 'AccessDeniedException') continue;
        const id = `${key.keyId} ${e.eventName} ${e.userIdentity.arn}`;
        audited.set(id, (audited.get(id) ?? 0) + 1);
      }
    }
    const auditedDenials = [...audited.values()].reduce((a, b) => a + b, 0);

    let refused = 0;
    const policyKey = keys[0]!;
    const before = (await admin.send(new GetKeyPolicyCommand({ KeyId: policyKey.arn }))).Policy;
    for (const doc of MALFORMED) {
      const Policy = JSON.stringify(doc);
      for (const put of [
        () => admin.send(new PutKeyPolicyCommand({ KeyId: policyKey.arn, Policy })),
        () => admin.send(new CreateKeyCommand({ Policy })),
      ]) {
        try {
          await put();
          mistakes.push(`accepted malformed policy ${Policy}`);
        } catch (error) {
          if ((error as Error).name === 'MalformedPolicyDocumentException') refused++;
          else mistakes.push(`malformed policy ${Policy}: ${(error as Error).name}`);
        }
      }
    }
    expect((await admin.send(new GetKeyPolicyCommand({ KeyId: policyKey.arn }))).Policy).to.equal(before);

    console.log(
      `      access matrix (${FULL ? 'full' : 'short'}): ${PRINCIPALS.length} principals × ${OPERATIONS.length} operations × ${POLICIES.length} policies × 2 grant sets × ≤${CONTEXTS.length} contexts = ${counts.calls} calls; ${counts.allowed} allowed, ${counts.denied} denied (${auditedDenials} audited); wrongful allows ${counts.wrongfulAllows}, wrongful denies ${counts.wrongfulDenies}, other errors ${counts.otherErrors}; malformed policies refused ${refused}/${MALFORMED.length * 2}`,
    );
    expect(mistakes.slice(0, 20)).to.deep.equal([]);
    expect(counts.wrongfulAllows).to.equal(0);
    expect(counts.wrongfulDenies).to.equal(0);
    expect(counts.otherErrors).to.equal(0);
    expect(audited).to.deep.equal(expectedDenials);
    expect(refused).to.equal(MALFORMED.length * 2);
    // The matrix is not degenerate: both outcomes occur, in numbers.
    expect(counts.allowed).to.be.greaterThan(counts.calls / 5);
    expect(counts.denied).to.be.greaterThan(counts.calls / 5);
  });
});
