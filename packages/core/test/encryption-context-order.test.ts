import { serializeEncryptionContext } from '@envelope/core';
import { expect } from 'chai';
import fc from 'fast-check';
import { assertCallerContext } from '../src/format/encryption-context.js';

/** The reference: pairs encoded, then sorted by the UTF-8 bytes of their keys. */
function referenceSerialization(context: Record<string, string>): Buffer {
  if (Object.keys(context).length === 0) return Buffer.alloc(0); // no count either
  const pairs = Object.entries(context)
    .map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as const)
    .sort(([a], [b]) => Buffer.compare(a, b));
  const length = (b: Buffer) => Buffer.of(b.length >> 8, b.length & 0xff);
  return Buffer.concat([
    Buffer.of(pairs.length >> 8, pairs.length & 0xff),
    ...pairs.flatMap(([k, v]) => [length(k), k, length(v), v]),
  ]);
}

/** A context whose every enumeration of its keys is counted. */
function countingKeys(context: Record<string, string>): {
  proxy: Record<string, string>;
  passes: () => number;
} {
  let passes = 0;
  const proxy = new Proxy(context, {
    ownKeys(target) {
      passes++;
      return Reflect.ownKeys(target);
    },
  });
  return { proxy, passes: () => passes };
}

describe('encryption context serialization order and cost', () => {
  it('sorts keys by their UTF-8 bytes, astral characters after U+E000–U+FFFF', () => {
    // As UTF-16 code units '😀' (U+D83D U+DE00) sorts before U+E000; as UTF-8 (F0 …) it sorts last.
    const context = { '\uffff': '1', '😀': '2', '\ue000': '3', é: '4', z: '5', a: '6', '': '7' };
    expect(serializeEncryptionContext(context)).to.deep.equal(referenceSerialization(context));
    const ascii = { b: '1', a: '2', 'key-10': '3', 'key-9': '4', 'key-1': '5' };
    expect(serializeEncryptionContext(ascii)).to.deep.equal(referenceSerialization(ascii));
  });

  it('writes any well-formed context in the byte order of the reference', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 4 }), fc.string({ maxLength: 4 }), {
          maxKeys: 12,
        }),
        (context) => {
          expect(serializeEncryptionContext(context)).to.deep.equal(referenceSerialization(context));
        },
      ),
    );
  });

  // Past about a thousand pairs a context is a V8 dictionary-mode object, whose keys every for…in or
  // Object.entries collects and orders afresh: each extra pass made the cost per pair jump by half
  // (bench/scaling.ts, "encrypt 1 KiB with an encryption context").
  it('reads the pairs of a context once to serialize it', () => {
    const { proxy, passes } = countingKeys({ b: '1', a: '2' });
    serializeEncryptionContext(proxy);
    expect(passes()).to.equal(1);
  });

  it("reads the pairs of a caller's context once to check it", () => {
    const { proxy, passes } = countingKeys({ b: '1', a: '2' });
    assertCallerContext(proxy);
    expect(passes()).to.equal(1);
  });
});
