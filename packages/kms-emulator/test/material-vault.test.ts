import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { MaterialUnavailableError, MaterialVault } from '../src/core/index.js';

describe('MaterialVault (root-key wrapping of key material)', () => {
  it('draws a fresh IV for every wrap under the root key, so no (root key, IV) pair repeats', () => {
    const vault = new MaterialVault(randomBytes(32));
    const material = randomBytes(32);
    const ivs = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      ivs.add(
        Buffer.from(vault.wrap('arn:aws:kms:us-east-1:111122223333:key/k', 'v1', material), 'base64')
          .subarray(0, 12)
          .toString('hex'),
      );
    }
    expect(ivs.size).to.equal(2000);
  });

  it('binds a wrapped blob to its resource and version (AAD): moved elsewhere it does not open', () => {
    const vault = new MaterialVault(randomBytes(32));
    const material = randomBytes(32);
    const wrapped = vault.wrap('projects/p/locations/l/keyRings/r/cryptoKeys/k', '1', material);
    expect(
      vault.unwrap('projects/p/locations/l/keyRings/r/cryptoKeys/k', '1', wrapped).equals(material),
    ).to.equal(true);
    expect(() => vault.unwrap('projects/p/locations/l/keyRings/r/cryptoKeys/k', '2', wrapped)).to.throw(
      MaterialUnavailableError,
    );
    expect(() => vault.unwrap('projects/p/locations/l/keyRings/r/cryptoKeys/other', '1', wrapped)).to.throw(
      MaterialUnavailableError,
    );
    expect(() =>
      new MaterialVault(randomBytes(32)).unwrap(
        'projects/p/locations/l/keyRings/r/cryptoKeys/k',
        '1',
        wrapped,
      ),
    ).to.throw(MaterialUnavailableError);
  });

  it('keeps at most MATERIAL_CACHE_ENTRIES unwrapped materials, hands out copies, and forgets them on destroy', () => {
    const vault = new MaterialVault(randomBytes(32));
    const material = randomBytes(32);
    const wrapped = vault.wrap('key/k', 'v1', material);
    const first = vault.unwrap('key/k', 'v1', wrapped);
    first.fill(0); // the caller zero-fills its copy; the vault's own is untouched
    expect(vault.unwrap('key/k', 'v1', wrapped).equals(material)).to.equal(true);
    expect(vault.cachedMaterials).to.equal(1);
    // A cached blob still opens only under the resource and version it was wrapped for.
    expect(() => vault.unwrap('key/other', 'v1', wrapped)).to.throw(MaterialUnavailableError);
    expect(() => vault.unwrap('key/k', 'v2', wrapped)).to.throw(MaterialUnavailableError);
    for (let i = 0; i < MaterialVault.MATERIAL_CACHE_ENTRIES + 50; i++) {
      const m = randomBytes(32);
      expect(vault.unwrap(`key/${i}`, 'v1', vault.wrap(`key/${i}`, 'v1', m)).equals(m)).to.equal(true);
    }
    expect(vault.cachedMaterials).to.equal(MaterialVault.MATERIAL_CACHE_ENTRIES);
    // The evicted first entry unwraps again from its wrapped form.
    expect(vault.unwrap('key/k', 'v1', wrapped).equals(material)).to.equal(true);
    vault.destroy();
    expect(vault.cachedMaterials).to.equal(0);
    expect(() => vault.unwrap('key/k', 'v1', wrapped)).to.throw(MaterialUnavailableError);
  });
});
