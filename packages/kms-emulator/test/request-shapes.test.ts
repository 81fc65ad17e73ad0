import * as sdk from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { REQUEST_SHAPES, type StructureShape } from '../src/aws/request-shapes.js';
import { KMS_OPERATIONS } from '../src/index.js';

/** Smithy schema arrays as `@aws-sdk/client-kms` exports them: [kind, namespace, name, traits, members, types]. */
type Schema = readonly unknown[];
const STRUCTURE = 3;
const LIST = 1;
const OPERATION = 9;

const resolve = (t: unknown): unknown => (typeof t === 'function' ? t() : t);

/** Member names of a structure schema, nested structures and lists of structures included; `true` for a leaf. */
function memberTree(schema: Schema): Record<string, unknown> {
  const names = schema[4] as string[];
  const types = schema[5] as unknown[];
  return Object.fromEntries(names.map((name, i) => [name, nested(types[i])]));
}

function nested(type: unknown): unknown {
  let t = resolve(type);
  if (Array.isArray(t) && typeof t[0] === 'function') t = resolve(t[0]);
  if (!Array.isArray(t)) return true;
  if (t[0] === STRUCTURE) return memberTree(t);
  if (t[0] === LIST) return nested(t[4]);
  return true;
}

function ourTree(shape: StructureShape): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(shape).map(([name, member]) => [
      name,
      typeof member === 'string' ? true : ourTree('struct' in member ? member.struct : member.listOf),
    ]),
  );
}

describe('request shapes', () => {
  const sdkOperations = new Map(
    Object.entries(sdk)
      .filter(([, v]) => Array.isArray(v) && v[0] === OPERATION)
      .map(([name, v]) => [name.replace(/\$$/, ''), resolve((v as Schema)[4]) as Schema]),
  );

  it('cover exactly the operations the engine implements', () => {
    expect(Object.keys(REQUEST_SHAPES).sort()).to.deep.equal([...KMS_OPERATIONS]);
  });

  it("name the same members, at every depth, as the AWS SDK's KMS model", () => {
    expect(sdkOperations.size).to.be.greaterThan(40);
    for (const operation of KMS_OPERATIONS) {
      const input = sdkOperations.get(operation);
      expect(input, operation).to.not.equal(undefined);
      expect(ourTree(REQUEST_SHAPES[operation]!), operation).to.deep.equal(memberTree(input!));
    }
  });
});
