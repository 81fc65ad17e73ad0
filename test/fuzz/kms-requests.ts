import {
  KMS_OPERATIONS,
  type MemberShape,
  REQUEST_SHAPES,
  type StructureShape,
} from '@envelope/kms-emulator';
import fc from 'fast-check';

/**
 * Generators of hostile AWS JSON 1.1 requests for the KMS server: mostly well-aimed (a real operation,
 * its own member names, real key ids) so the fuzz reaches the engine, with wrong types, junk base64,
 * huge and deep values, unicode edge cases and malformed bodies mixed in.
 */
export interface FuzzRequest {
  readonly kind: string;
  readonly target: string;
  readonly body: Buffer;
}

export interface FuzzTargets {
  /** Key ids, ARNs and aliases that exist on the server, so calls get past key resolution. */
  readonly keyIds: readonly string[];
}

const EDGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '\u200b',
  '\u202e',
  '\ufeff',
  'é',
  'e\u0301',
  '__proto__',
  'constructor',
  'prototype',
  'aws:x',
  'AWS:x',
  'alias/aws/x',
  'alias/',
  'arn:aws:kms:us-east-1:111122223333:key/',
  'arn:aws:kms:us-east-1:111122223333:alias/x',
  'gt1.AAAA.BBBB',
  'SYMMETRIC_DEFAULT',
  'RSAES_OAEP_SHA_256',
  'AES_256',
  'HMAC_SHA_256',
  'ECDSA_SHA_256',
  'RSA_2048',
  'ECC_NIST_P256',
  'HMAC_256',
  'ENCRYPT_DECRYPT',
  'SIGN_VERIFY',
  'GENERATE_VERIFY_MAC',
  'RAW',
  'DIGEST',
  'default',
  'Encrypt',
  'Decrypt',
  'arn:aws:iam::444455556666:user/bob',
];

const anyString = (targets: FuzzTargets): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...targets.keyIds) },
    { weight: 4, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 70_000 }).map((n) => 'x'.repeat(n)) },
  );

const base64Blob: fc.Arbitrary<string> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
  fc.uint8Array({ minLength: 4000, maxLength: 7000 }).map((b) => Buffer.from(b).toString('base64')),
  fc.constantFrom('', '=', 'A', 'AA', 'A===', '****', 'aGk', 'aGk=\n', '%%%', '\ud800', 'YQ==YQ=='),
  fc.string({ maxLength: 30 }),
);

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, [], {}, [[]], { a: {} }),
  fc.jsonValue({ maxDepth: 3 }),
);

const contextMap = (targets: FuzzTargets): fc.Arbitrary<Record<string, string>> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.dictionary(anyString(targets), anyString(targets), { maxKeys: 5 }) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 100, max: 70_000 })
        .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, '']))),
    },
    { weight: 1, arbitrary: fc.constant({ big: 'v'.repeat(70 * 1024) }) },
  );

function memberValue(shape: MemberShape, targets: FuzzTargets): fc.Arbitrary<unknown> {
  const right: fc.Arbitrary<unknown> = (() => {
    switch (shape) {
      case 'string':
        return anyString(targets);
      case 'number':
        return fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.double(), fc.constantFrom(2 ** 53, 1e308));
      case 'boolean':
        return fc.boolean();
      case 'blob':
        return base64Blob;
      case 'stringList':
        return fc.array(anyString(targets), { maxLength: 12 });
      case 'stringMap':
        return contextMap(targets);
    }
    if ('struct' in shape) return structure(shape.struct, targets);
    return fc.array(structure(shape.listOf, targets), { maxLength: 55 });
  })();
  return fc.oneof({ weight: 30, arbitrary: right }, { weight: 1, arbitrary: wrongType });
}

function structure(shape: StructureShape, targets: FuzzTargets): fc.Arbitrary<Record<string, unknown>> {
  const members = Object.fromEntries(
    Object.entries(shape).map(([name, member]) => [name, memberValue(member, targets)]),
  );
  const extra = fc.dictionary(
    fc.constantFrom('__proto__', 'Junk', 'constructor', 'keyid', 'KEYID'),
    wrongType,
    {
      maxKeys: 2,
    },
  );
  return fc
    .tuple(fc.record(members, { requiredKeys: [] }), extra)
    .map(([known, unknown]) => Object.assign(Object.create(null), unknown, known));
}

const nestedJson = fc
  .integer({ min: 20, max: 30_000 })
  .map((depth) => `{"KeyId":"x","Junk":${'['.repeat(depth)}${']'.repeat(depth)}}`);

const malformed: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '{',
    '}',
    '[]',
    'null',
    '1',
    '"x"',
    '{"KeyId":}',
    '{"KeyId":"a",}',
    '{,}',
    '{"a":1}}',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.json().map((text) => text.slice(0, Math.max(0, text.length - 1))),
);

const rawBytes = fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b));

const encode = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

/** One request; `operation` weights: 85% a real operation, the rest unknown or malformed targets. */
export function fuzzRequest(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const operation = fc.constantFrom(...KMS_OPERATIONS);
  const realTarget = operation.map((op) => `TrentService.${op}`);
  const junkTarget = fc.oneof(
    fc.constantFrom(
      'TrentService.',
      'TrentService.Nope',
      'TrentService.__proto__',
      'TrentService.constructor',
    ),
    fc.constantFrom('Other.Encrypt', 'trentservice.Encrypt', 'TrentService.encrypt', ''),
    fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((s) => `TrentService.${s}`),
  );
  const shaped = operation.chain((op) =>
    structure(REQUEST_SHAPES[op]!, targets).map((input) => ({
      kind: 'shaped',
      target: `TrentService.${op}`,
      body: encode(input),
    })),
  );
  return fc.oneof(
    { weight: 12, arbitrary: shaped },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('deep'),
        target: realTarget,
        body: nestedJson.map((s) => Buffer.from(s)),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('malformed'),
        target: realTarget,
        body: malformed.map((s) => Buffer.from(s)),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes'), target: realTarget, body: rawBytes }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('json'),
        target: realTarget,
        body: fc.jsonValue().map(encode),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('target'),
        target: junkTarget,
        body: fc.constant(Buffer.from('{}')),
      }),
    },
  );
}

/** A body just over the server's 1 MiB limit, sent a few times per run. */
export const oversized = (target: string): FuzzRequest => ({
  kind: 'oversized',
  target,
  body: Buffer.from(`{"KeyId":"${'x'.repeat(1024 * 1024)}"}`),
});
