import { randomBytes } from 'node:crypto';
import {
  type DecryptionMaterials,
  decrypt,
  type EncryptedDataKey,
  type EncryptionMaterials,
  encrypt,
  type FleetJournalEntry,
  inspectMessage,
  type Keyring,
  MultiKeyring,
  masterKeyId,
  NoDataKeyError,
  rotateFleet,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';
import { HeldDataKey, readBackWhileWriting } from '../src/fleet/verify-output.js';
import { MemoryJournal, MemoryMessages, rawKey, ThrottlingKeyring } from './support/fleet-store.js';

const UNSIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const SIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

async function dataSet(count: number, keyring: Keyring, suiteId: number = SIGNED) {
  const store = new MemoryMessages();
  const plaintexts = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const plaintext = randomBytes(1 + ((i * 7919) % 20_000));
    const { ciphertext } = await encrypt(plaintext, { keyring, suiteId, frameLength: 4096 });
    store.rows.set(`m${i}`, ciphertext);
    plaintexts.set(`m${i}`, plaintext);
  }
  return { store, plaintexts };
}

async function keysOf(message: Buffer): Promise<string[]> {
  return (await inspectMessage([message])).header.encryptedDataKeys.map(masterKeyId).sort();
}

async function opens(message: Buffer, keyring: Keyring, plaintext: Buffer): Promise<boolean> {
  try {
    return (await decrypt(message, { keyring })).plaintext.equals(plaintext);
  } catch (error) {
    if (error instanceof NoDataKeyError) return false;
    throw error;
  }
}

describe('fleet rotation (rotateFleet)', () => {
  const east = rawKey('east');
  const west = rawKey('west');
  const north = rawKey('north');

  it('rotates every message to the target: new message, new data key, old master key removed', async () => {
    const { store, plaintexts } = await dataSet(12, east);
    const before = new Map(store.rows);
    const summary = await rotateFleet(store.messages(), {
      keyring: east,
      targetKeyring: west,
      concurrency: 4,
    });
    expect(summary).to.include({ messages: 12, rotated: 12, skipped: 0, failed: 0, interrupted: false });
    // One unwrap per message, one wrap per target master key (fresh data key), one probe wrap per run.
    expect(summary.kmsCalls).to.deep.equal({ unwraps: 12, wraps: 12, probeWraps: 1 });
    for (const [id, message] of store.rows) {
      expect(await keysOf(message)).to.deep.equal(['fleet west']);
      expect(await opens(message, west, plaintexts.get(id)!)).to.equal(true);
      expect(await opens(message, east, plaintexts.get(id)!)).to.equal(false);
      const oldId = (await inspectMessage([before.get(id)!])).header.messageId;
      expect((await inspectMessage([message])).header.messageId.equals(oldId)).to.equal(false);
    }
    expect(summary.bytesIn).to.equal([...before.values()].reduce((n, b) => n + b.length, 0));
    expect(summary.bytesOut).to.equal([...store.rows.values()].reduce((n, b) => n + b.length, 0));
  });

  it('skips messages already wrapped exactly as the target says, with no unwrap or wrap', async () => {
    const { store } = await dataSet(5, west);
    const before = new Map(store.rows);
    const summary = await rotateFleet(store.messages(), { keyring: east, targetKeyring: west });
    expect(summary).to.include({ skipped: 5, rotated: 0, failed: 0 });
    expect(summary.kmsCalls).to.deep.equal({ unwraps: 0, wraps: 0, probeWraps: 1 });
    expect(store.writes).to.equal(0);
    expect(store.rows).to.deep.equal(before);
  });

  it('dry run reports the master keys each message would gain and lose, and changes nothing', async () => {
    const { store } = await dataSet(3, east);
    const extra = await encrypt('x', { keyring: west });
    store.rows.set('already', extra.ciphertext);
    const before = new Map(store.rows);
    const summary = await rotateFleet(store.messages(), {
      keyring: east,
      targetKeyring: new MultiKeyring({ generator: west, children: [north] }),
      dryRun: true,
    });
    expect(summary).to.include({ dryRun: true, planned: 4, skipped: 0, rotated: 0 });
    const planned = summary.results.find((r) => r.id === 'm0')!;
    expect(planned).to.include({ outcome: 'planned', action: 'replace' });
    expect(planned.added).to.deep.equal(['fleet west', 'fleet north']);
    expect(planned.removed).to.deep.equal(['fleet east']);
    expect(summary.results.find((r) => r.id === 'already')!.added).to.deep.equal(['fleet north']);
    expect(summary.kmsCalls).to.include({ unwraps: 0, wraps: 0 });
    expect(store.writes).to.equal(0);
    expect(store.rows).to.deep.equal(before);
  });

  it('adds master keys to unsigned messages keeping the data key: one wrap per added key', async () => {
    const { store, plaintexts } = await dataSet(6, east, UNSIGNED);
    const target = new MultiKeyring({ generator: east, children: [west, north] });
    const summary = await rotateFleet(store.messages(), { keyring: east, targetKeyring: target });
    expect(summary).to.include({ rotated: 6, failed: 0 });
    expect(summary.results.every((r) => r.action === 'add')).to.equal(true);
    expect(summary.kmsCalls).to.deep.equal({ unwraps: 6, wraps: 12, probeWraps: 3 });
    for (const [id, message] of store.rows) {
      for (const k of [east, west, north])
        expect(await opens(message, k, plaintexts.get(id)!)).to.equal(true);
    }
  });

  it('leaves a message that fails byte-identical, reports why, and rotates the rest', async () => {
    const { store } = await dataSet(4, east);
    const damaged = Buffer.from(store.rows.get('m2')!);
    damaged[damaged.length - 200]! ^= 1; // inside the last frame or the signature
    store.rows.set('m2', damaged);
    store.rows.set('foreign', (await encrypt('y', { keyring: north })).ciphertext);
    store.rows.set('garbage', randomBytes(500));
    const kept = new Map(store.rows);
    const summary = await rotateFleet(store.messages(), { keyring: east, targetKeyring: west });
    expect(summary).to.include({ rotated: 3, failed: 3 });
    for (const id of ['m2', 'foreign', 'garbage']) expect(store.rows.get(id)).to.deep.equal(kept.get(id));
    const reasons = Object.fromEntries(summary.failures.map((f) => [f.id, f.reason]));
    expect(reasons.m2).to.match(/Decryption failed/);
    expect(reasons.foreign).to.match(/raw-aes:fleet\/east holds none/);
    expect(reasons.garbage).to.match(/version|header/i);
  });

  it('repair re-adds missing master keys, skips complete messages, and each key alone then decrypts', async () => {
    const full = new MultiKeyring({ generator: east, children: [west, north] });
    const store = new MemoryMessages();
    const plaintexts = new Map<string, Buffer>();
    const writers: [string, Keyring, number][] = [
      ['outage-unsigned', new MultiKeyring({ generator: east, children: [west] }), UNSIGNED],
      ['outage-signed', new MultiKeyring({ generator: west, children: [north] }), SIGNED],
      ['complete', full, SIGNED],
    ];
    for (const [id, keyring, suiteId] of writers) {
      const plaintext = randomBytes(9000);
      store.rows.set(id, (await encrypt(plaintext, { keyring, suiteId })).ciphertext);
      plaintexts.set(id, plaintext);
    }
    const complete = store.rows.get('complete');
    const summary = await rotateFleet(store.messages(), {
      keyring: full,
      targetKeyring: full,
      mode: 'repair',
    });
    expect(summary).to.include({ rotated: 2, skipped: 1, failed: 0 });
    const byId = Object.fromEntries(summary.results.map((r) => [r.id, r]));
    expect(byId['outage-unsigned']).to.include({ action: 'add' });
    expect(byId['outage-unsigned']!.added).to.deep.equal(['fleet north']);
    expect(byId['outage-signed']).to.include({ action: 'replace' });
    expect(byId['outage-signed']!.replaceReason).to.match(/signing key/);
    // add: 1 wrap (north); replace: 3 wraps (a new data key under every key).
    expect(summary.kmsCalls).to.deep.equal({ unwraps: 2, wraps: 4, probeWraps: 3 });
    expect(store.rows.get('complete')).to.equal(complete);
    for (const [id, message] of store.rows) {
      for (const k of [east, west, north])
        expect(await opens(message, k, plaintexts.get(id)!)).to.equal(true);
    }
  });

  it('repair refuses to drop a master key the config does not name', async () => {
    const store = new MemoryMessages();
    const original = (
      await encrypt('z', { keyring: new MultiKeyring({ generator: north, children: [east] }) })
    ).ciphertext;
    store.rows.set('other', original);
    const full = new MultiKeyring({ generator: east, children: [west] });
    const summary = await rotateFleet(store.messages(), {
      keyring: full,
      targetKeyring: full,
      mode: 'repair',
    });
    expect(summary.failed).to.equal(1);
    expect(summary.failures[0]!.reason).to.match(/Repair would drop fleet north/);
    expect(store.rows.get('other')).to.equal(original);
  });

  it('resumes an aborted run from its journal: every message rotated exactly once', async () => {
    const { store, plaintexts } = await dataSet(20, east);
    const journal = new MemoryJournal();
    const stop = new AbortController();
    let completed = 0;
    const first = await rotateFleet(store.messages(), {
      keyring: east,
      targetKeyring: west,
      concurrency: 2,
      journal,
      signal: stop.signal,
      onMessage: () => {
        if (++completed === 7) stop.abort();
      },
    });
    expect(first.interrupted).to.equal(true);
    expect(first.rotated).to.be.within(7, 9);
    const second = await rotateFleet(store.messages(), { keyring: east, targetKeyring: west, journal });
    expect(second.interrupted).to.equal(false);
    expect(second.resumed).to.equal(first.rotated);
    expect(second.rotated).to.equal(20 - first.rotated);
    // Unwraps across both runs: one per message, so no message was processed twice.
    expect(first.kmsCalls.unwraps + second.kmsCalls.unwraps).to.equal(20);
    for (const [id, message] of store.rows) {
      expect(journal.done(id)).to.have.length(1);
      expect(await opens(message, west, plaintexts.get(id)!)).to.equal(true);
    }
  });

  it('recognises a message stored just before a crash (journal says rewriting) and does not redo it', async () => {
    const { store, plaintexts } = await dataSet(3, east);
    const journal = new MemoryJournal();
    // The process "dies" after m1's new bytes were stored but before its done entry: simulated by
    // a journal that refuses that one entry.
    const crashing = {
      lookup: (id: string) => journal.lookup(id),
      record: async (entry: FleetJournalEntry) => {
        if (entry.id === 'm1' && entry.state === 'done') throw new Error('power cut');
        await journal.record(entry);
      },
    };
    await rotateFleet(store.messages(), { keyring: east, targetKeyring: west, journal: crashing });
    const stored = store.rows.get('m1')!;
    expect(await keysOf(stored)).to.deep.equal(['fleet west']);
    const again = await rotateFleet(store.messages(), { keyring: east, targetKeyring: west, journal });
    expect(again).to.include({ resumed: 3, rotated: 0 });
    expect(again.kmsCalls.unwraps).to.equal(0);
    expect(journal.done('m1')[0]).to.include({ outcome: 'recovered' });
    expect(store.rows.get('m1')).to.equal(stored);
    expect(await opens(stored, west, plaintexts.get('m1')!)).to.equal(true);
  });

  it('slows down under throttling (concurrency halved, paused) and still rotates everything', async () => {
    const { store, plaintexts } = await dataSet(24, east);
    const throttledEast = new ThrottlingKeyring(east, 5);
    const summary = await rotateFleet(store.messages(), {
      keyring: throttledEast,
      targetKeyring: west,
      concurrency: 8,
      backoff: { baseDelayMs: 1, maxDelayMs: 10 },
    });
    expect(throttledEast.throttled).to.be.greaterThan(0);
    expect(summary).to.include({ rotated: 24, failed: 0 });
    expect(summary.throttles).to.equal(throttledEast.throttled);
    for (const [id, message] of store.rows)
      expect(await opens(message, west, plaintexts.get(id)!)).to.equal(true);
  });

  it('fails a message that stays throttled past maxThrottleRetries, leaving it as it was', async () => {
    const { store } = await dataSet(1, east);
    const original = store.rows.get('m0');
    const summary = await rotateFleet(store.messages(), {
      keyring: new ThrottlingKeyring(east, 1),
      targetKeyring: west,
      maxThrottleRetries: 2,
      backoff: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    expect(summary).to.include({ failed: 1, throttles: 2 });
    expect(summary.failures[0]!.reason).to.match(/Rate exceeded/);
    expect(store.rows.get('m0')).to.equal(original);
  });
});

describe('fleet rotation: reading the new message back before it is stored', () => {
  async function* pieces(bytes: Buffer): AsyncGenerator<Buffer> {
    for (let at = 0; at < bytes.length; at += 777) yield bytes.subarray(at, at + 777);
  }

  it('passes an intact message through unchanged, with no key-service call', async () => {
    const held = new HeldDataKey(rawKey('east'));
    const { ciphertext } = await encrypt(randomBytes(50_000), { keyring: held, frameLength: 4096 });
    const out: Buffer[] = [];
    for await (const piece of readBackWhileWriting(pieces(ciphertext), held, {})) out.push(piece);
    expect(Buffer.concat(out).equals(ciphertext)).to.equal(true);
    held.zeroize();
  });

  it('throws before the end when a byte of the new message is wrong', async () => {
    for (const at of [60, 5000, -40]) {
      const held = new HeldDataKey(rawKey('east'));
      const { ciphertext } = await encrypt(randomBytes(50_000), { keyring: held, frameLength: 4096 });
      const bad = Buffer.from(ciphertext);
      bad[at < 0 ? bad.length + at : at]! ^= 0x20;
      let completed = false;
      const read = async () => {
        for await (const _ of readBackWhileWriting(pieces(bad), held, {})) void _;
        completed = true;
      };
      await read().then(
        () => expect.fail(`a flipped byte at ${at} was not caught`),
        (error: Error) => expect(error.message).to.match(/did not read back/),
      );
      expect(completed).to.equal(false);
    }
  });
});

describe('fleet repair with a keyring that holds several master keys', () => {
  /** One keyring (not a multi-keyring) wrapping under two raw keys, as a KMS keyring with keyIds does. */
  class TwoKeys implements Keyring {
    readonly description = 'two-keys';
    constructor(readonly keys: [Keyring, Keyring]) {}
    async onEncrypt(materials: EncryptionMaterials) {
      for (const k of this.keys) await k.onEncrypt(materials);
      return materials;
    }
    async onDecrypt(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]) {
      for (const k of this.keys) if (!materials.hasDataKey) await k.onDecrypt(materials, edks);
      return materials;
    }
  }

  it('adds only the missing key: no master key appears twice in the repaired message', async () => {
    const east = rawKey('east');
    const west = rawKey('west');
    const plaintext = randomBytes(3000);
    const store = new MemoryMessages();
    store.rows.set('m', (await encrypt(plaintext, { keyring: east, suiteId: UNSIGNED })).ciphertext);
    const config = new TwoKeys([east, west]);
    const summary = await rotateFleet(store.messages(), {
      keyring: config,
      targetKeyring: config,
      mode: 'repair',
    });
    expect(summary).to.include({ rotated: 1, failed: 0 });
    const names = (await inspectMessage([store.rows.get('m')!])).header.encryptedDataKeys.map(masterKeyId);
    expect(names).to.deep.equal(['fleet east', 'fleet west']);
    expect((await decrypt(store.rows.get('m')!, { keyring: west })).plaintext.equals(plaintext)).to.equal(
      true,
    );
  });
});
