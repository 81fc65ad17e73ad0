import { retainFreedMemory } from '@envelope/core';
import { expect } from 'chai';

// What the call changes (page faults in a fresh process) is measured in the top-level
// test/retain-freed-memory.test.ts, on the allocator bench's own pass (bench/allocator-child.ts).
describe('retainFreedMemory', () => {
  it('is done once per process: every call returns the same promise', async () => {
    const first = retainFreedMemory();
    expect(retainFreedMemory()).to.equal(first);
    await first;
  });
});
