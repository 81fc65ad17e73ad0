import { randomBytes } from 'node:crypto';
import {
  type DecryptionMaterials,
  type EncryptedDataKey,
  type EncryptionMaterials,
  type FleetJournal,
  type FleetJournalEntry,
  type FleetMessage,
  type Keyring,
  RawAesKeyring,
} from '@envelope/core';

/** An in-memory data set: one message per row; a write replaces a row only once its bytes are all in. */
export class MemoryMessages {
  readonly rows = new Map<string, Buffer>();
  writes = 0;

  messages(): FleetMessage[] {
    return [...this.rows.keys()].map((id) => ({
      id,
      read: () => chunks(this.rows.get(id)!),
      write: async (message) => {
        const parts: Buffer[] = [];
        for await (const part of message) parts.push(Buffer.from(part));
        this.rows.set(id, Buffer.concat(parts));
        this.writes++;
      },
    }));
  }
}

/** Reads in 1000-byte chunks, so headers and frames straddle chunks. */
async function* chunks(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 1000) yield bytes.subarray(at, at + 1000);
}

/** A journal in memory: every entry, in order. */
export class MemoryJournal implements FleetJournal {
  readonly entries: FleetJournalEntry[] = [];
  lookup(id: string) {
    return this.entries.findLast((e) => e.id === id);
  }
  async record(entry: FleetJournalEntry) {
    this.entries.push(entry);
  }
  done(id: string) {
    return this.entries.filter((e) => e.id === id && e.state === 'done');
  }
}

export function rawKey(name: string): RawAesKeyring {
  return new RawAesKeyring({ keyNamespace: 'fleet', keyName: name, wrappingKey: randomBytes(32) });
}

/** Answers like a throttled KMS on every `every`-th call (wrap or unwrap), otherwise delegates. */
export class ThrottlingKeyring implements Keyring {
  readonly description: string;
  calls = 0;
  throttled = 0;
  constructor(
    readonly inner: Keyring,
    readonly every: number,
  ) {
    this.description = inner.description;
  }
  #maybeThrottle() {
    if (++this.calls % this.every === 0) {
      this.throttled++;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    }
  }
  async onEncrypt(materials: EncryptionMaterials) {
    this.#maybeThrottle();
    return this.inner.onEncrypt(materials);
  }
  async onDecrypt(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]) {
    if (edks.some((e) => e.providerId === 'fleet')) this.#maybeThrottle();
    return this.inner.onDecrypt(materials, edks);
  }
}
