import { expect } from 'chai';
import { randomBytesPooled } from '../src/core/index.js';

describe('randomBytesPooled (IVs and data keys)', () => {
  it('hands out fresh bytes of the length asked, across pool refills and past the pool size', () => {
    const seen = new Set<string>();
    // 12 + 32 bytes per call: crosses several 8 KiB refills.
    for (let i = 0; i < 1000; i++) {
      for (const length of [12, 32]) {
        const bytes = randomBytesPooled(length);
        expect(bytes.length).to.equal(length);
        seen.add(bytes.toString('hex'));
      }
    }
    expect(seen.size).to.equal(2000);
    expect(randomBytesPooled(1).length).to.equal(1);
    const large = randomBytesPooled(5000);
    expect(large.length).to.equal(5000);
    expect(large.equals(Buffer.alloc(5000))).to.equal(false);
  });

  it('gives each caller its own buffer: zero-filling one draw leaves the next intact', () => {
    const a = randomBytesPooled(32);
    const copy = Buffer.from(a);
    const b = randomBytesPooled(32);
    a.fill(0);
    expect(b.equals(Buffer.alloc(32))).to.equal(false);
    expect(copy.equals(b)).to.equal(false);
    expect(a.buffer === b.buffer && a.byteOffset === b.byteOffset).to.equal(false);
  });
});
