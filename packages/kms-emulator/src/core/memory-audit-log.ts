import {
  type AuditPage,
  type AuditPruning,
  type AuditQuery,
  type AuditRecord,
  matchesAudit,
} from './audit-record.js';

/** Bytes of one chunk of the log; a record larger than that gets a chunk of its own size. */
const CHUNK_BYTES = 1 << 20;
/** Slots of the position ring at first; it doubles when full. */
const FIRST_SLOTS = 1024;

/** A lone UTF-16 surrogate: a string holding one does not survive UTF-8 (`u`: a pair is one code point). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** `/` and `:`, the bytes a resource name's last segment follows (never part of a multi-byte UTF-8 sequence). */
const SLASH = 0x2f;
const COLON = 0x3a;

/**
 * The log's contents: record bytes in chunks, and per sequence number (in a ring indexed by `seq & mask`)
 * where its bytes are, plus its time. Everything a clear swaps out, and its undo swaps back.
 */
interface LogState {
  /** Chunks still holding a retained record, oldest first: `chunks[i]` has id `firstChunk + i`. */
  chunks: Buffer[];
  firstChunk: number;
  /** Bytes used in the last chunk. */
  fill: number;
  /** Retained sequence numbers: `head` to `tail - 1`. */
  head: number;
  tail: number;
  mask: number;
  chunkOf: Uint32Array;
  offsetOf: Uint32Array;
  /** Byte length of the record's entry: the JSON and the filter fields, each after its u32 length. */
  lengthOf: Uint32Array;
  /** `Date.parse(record.time)`, what every time filter compares. */
  timeOf: Float64Array;
  /** 1 when a filter field holds a lone surrogate: its bytes are not exact, filters parse the JSON. */
  slowOf: Uint8Array;
}

function emptyState(nextSeq: number): LogState {
  return {
    chunks: [],
    firstChunk: 0,
    fill: CHUNK_BYTES,
    head: nextSeq,
    tail: nextSeq,
    mask: FIRST_SLOTS - 1,
    chunkOf: new Uint32Array(FIRST_SLOTS),
    offsetOf: new Uint32Array(FIRST_SLOTS),
    lengthOf: new Uint32Array(FIRST_SLOTS),
    timeOf: new Float64Array(FIRST_SLOTS),
    slowOf: new Uint8Array(FIRST_SLOTS),
  };
}

/** What a pruned record's slot held, so undoing the prune can put it back (the slot may be reused since). */
interface SavedSlot {
  chunk: number;
  offset: number;
  length: number;
  time: number;
  slow: number;
}

/** A query's string filters as UTF-8, or `null` for a value no record's exact bytes can equal. */
interface EncodedQuery {
  service: Buffer | null | undefined;
  location: Buffer | null | undefined;
  operation: Buffer | null | undefined;
  resource: Buffer | null | undefined;
  since: number | undefined;
  until: number | undefined;
}

/** A filter value as UTF-8, or `null` when no string without lone surrogates can equal it. */
const encodeFilter = (value: string | undefined): Buffer | null | undefined =>
  value === undefined
    ? undefined
    : typeof value !== 'string' || LONE_SURROGATE.test(value)
      ? null
      : Buffer.from(value, 'utf8');

/**
 * The in-memory store's audit log, kept out of the garbage collector's way: each record is its JSON
 * text plus its filter fields (service, location, operation, resources) as UTF-8 bytes in large
 * preallocated Buffers, located through typed arrays. A retained record is no JS object, so scavenges
 * do not copy it and major GCs do not mark it; only a read parses its JSON back. Appending and pruning
 * are O(1) per record; a prune frees whole chunks once no retained record is in them.
 *
 * Sequence numbers rise by one per append and are never reused, across prunes and clears. Undo steps
 * (pushed into the `undo` array a caller passes) restore the log exactly; they run newest first.
 */
export class MemoryAuditLog {
  #s = emptyState(1);

  append(record: AuditRecord, undo?: (() => void)[]): void {
    const s = this.#s;
    const json = JSON.stringify(record);
    const { service, location, operation, resources } = record;
    let slow =
      LONE_SURROGATE.test(service) || LONE_SURROGATE.test(location) || LONE_SURROGATE.test(operation);
    // Each string is at most 3 UTF-8 bytes per UTF-16 unit: an exact count only when that bound does not fit.
    let bound =
      4 * (4 + resources.length) + 3 * (json.length + service.length + location.length + operation.length);
    for (const name of resources) {
      bound += 3 * name.length;
      slow ||= LONE_SURROGATE.test(name);
    }
    if (s.tail - s.head > s.mask) this.#grow();
    const [chunksBefore, fillBefore] = [s.chunks.length, s.fill];
    let chunk = s.chunks[s.chunks.length - 1];
    if (!chunk || s.fill + bound > chunk.length) {
      const exact =
        4 * (4 + resources.length) +
        Buffer.byteLength(json) +
        Buffer.byteLength(service) +
        Buffer.byteLength(location) +
        Buffer.byteLength(operation) +
        resources.reduce((sum, name) => sum + Buffer.byteLength(name), 0);
      if (!chunk || s.fill + exact > chunk.length) {
        // Zeroed: a read stays within bytes written, and no earlier memory can be read back anyway.
        chunk = Buffer.alloc(Math.max(CHUNK_BYTES, exact));
        s.chunks.push(chunk);
        s.fill = 0;
      }
    }
    const start = s.fill;
    let at = writeString(chunk, start, json);
    at = writeString(chunk, at, service);
    at = writeString(chunk, at, location);
    at = writeString(chunk, at, operation);
    for (const name of resources) at = writeString(chunk, at, name);
    s.fill = at;
    const slot = s.tail & s.mask;
    s.chunkOf[slot] = s.firstChunk + s.chunks.length - 1;
    s.offsetOf[slot] = start;
    s.lengthOf[slot] = at - start;
    s.timeOf[slot] = Date.parse(record.time);
    s.slowOf[slot] = slow ? 1 : 0;
    s.tail++;
    // Undo steps run newest first, so the state is as this append left it: it is the last record, and
    // a chunk it opened is the last chunk.
    undo?.push(() => {
      s.tail--;
      s.chunks.length = chunksBefore;
      s.fill = fillBefore;
    });
  }

  query(query: AuditQuery): AuditRecord[] {
    const out: AuditRecord[] = [];
    const s = this.#s;
    const filter = encodeQuery(query);
    for (let seq = this.#first(query.after); seq < s.tail; seq++) {
      if (query.limit !== undefined && out.length >= query.limit) break;
      if (this.#matches(seq, filter, query)) out.push(this.#record(seq));
    }
    return out;
  }

  page(query: AuditQuery & { limit: number }): AuditPage {
    const records: AuditRecord[] = [];
    if (query.limit <= 0) return { records };
    const s = this.#s;
    const filter = encodeQuery(query);
    let last = 0;
    for (let seq = this.#first(query.after); seq < s.tail; seq++) {
      if (!this.#matches(seq, filter, query)) continue;
      if (records.length === query.limit) return { records, next: last };
      records.push(this.#record(seq));
      last = seq;
    }
    return { records };
  }

  prune(pruning: AuditPruning, undo?: (() => void)[]): void {
    // Oldest first, stopping at the first record the rule keeps: O(records deleted).
    const s = this.#s;
    const from = s.head;
    let excess = pruning.maxEvents === undefined ? 0 : s.tail - s.head - pruning.maxEvents;
    const before = pruning.before?.getTime();
    while (s.head < s.tail) {
      const old = before !== undefined && s.timeOf[s.head & s.mask]! < before;
      if (excess <= 0 && !old) break;
      s.head++;
      excess--;
    }
    if (s.head === from) return;
    // A later append may reuse the pruned slots, so the undo keeps what they held.
    const saved: SavedSlot[] | undefined = undo && [];
    if (saved) {
      for (let seq = from; seq < s.head; seq++) {
        const slot = seq & s.mask;
        saved.push({
          chunk: s.chunkOf[slot]!,
          offset: s.offsetOf[slot]!,
          length: s.lengthOf[slot]!,
          time: s.timeOf[slot]!,
          slow: s.slowOf[slot]!,
        });
      }
    }
    // Chunks before the one holding the oldest retained record are free (the last chunk stays: appends fill it).
    const keepFrom = s.head < s.tail ? s.chunkOf[s.head & s.mask]! : s.firstChunk + s.chunks.length - 1;
    const freed = s.chunks.splice(0, Math.max(0, keepFrom - s.firstChunk));
    s.firstChunk += freed.length;
    undo?.push(() => {
      s.chunks.unshift(...freed);
      s.firstChunk -= freed.length;
      s.head = from;
      // The ring may have grown since, never shrunk: the restored records fit beside the retained ones.
      saved!.forEach((slotted, i) => {
        const slot = (from + i) & s.mask;
        s.chunkOf[slot] = slotted.chunk;
        s.offsetOf[slot] = slotted.offset;
        s.lengthOf[slot] = slotted.length;
        s.timeOf[slot] = slotted.time;
        s.slowOf[slot] = slotted.slow;
      });
    });
  }

  clear(undo?: (() => void)[]): void {
    const old = this.#s;
    // Sequence numbers keep rising across a clear, so an audit page position never repeats.
    this.#s = emptyState(old.tail);
    undo?.push(() => {
      this.#s = old;
    });
  }

  /** The first sequence number a query starting after `after` reads. */
  #first(after: number | undefined): number {
    // As `seq <= after` skips: nothing for NaN or a position before the log, everything for Infinity.
    const head = this.#s.head;
    return after !== undefined && after >= head ? Math.floor(after) + 1 : head;
  }

  #record(seq: number): AuditRecord {
    const { chunk, at } = this.#locate(seq);
    const length = chunk.readUInt32LE(at);
    return JSON.parse(chunk.toString('utf8', at + 4, at + 4 + length)) as AuditRecord;
  }

  #locate(seq: number): { chunk: Buffer; at: number } {
    const s = this.#s;
    const slot = seq & s.mask;
    return { chunk: s.chunks[s.chunkOf[slot]! - s.firstChunk]!, at: s.offsetOf[slot]! };
  }

  #matches(seq: number, filter: EncodedQuery, query: AuditQuery): boolean {
    const s = this.#s;
    const slot = seq & s.mask;
    if (s.slowOf[slot]) return matchesAudit(this.#record(seq), query);
    const time = s.timeOf[slot]!;
    if (filter.since !== undefined && time < filter.since) return false;
    if (filter.until !== undefined && time >= filter.until) return false;
    const { chunk, at: start } = this.#locate(seq);
    const end = start + s.lengthOf[slot]!;
    let at = start + 4 + chunk.readUInt32LE(start); // past the JSON
    for (const wanted of [filter.service, filter.location, filter.operation]) {
      const length = chunk.readUInt32LE(at);
      if (wanted !== undefined && !(wanted !== null && sameBytes(chunk, at + 4, at + 4 + length, wanted))) {
        return false;
      }
      at += 4 + length;
    }
    const wanted = filter.resource;
    if (wanted === undefined) return true;
    if (wanted === null) return false;
    for (; at < end; ) {
      const length = chunk.readUInt32LE(at);
      const [from, to] = [at + 4, at + 4 + length];
      if (
        sameBytes(chunk, from, to, wanted) ||
        sameBytes(chunk, lastSegmentStart(chunk, from, to), to, wanted)
      ) {
        return true;
      }
      at = to;
    }
    return false;
  }

  /** Doubles the ring, moving each retained record to its slot under the new mask. */
  #grow(): void {
    const s = this.#s;
    const size = (s.mask + 1) * 2;
    const [chunkOf, offsetOf, lengthOf] = [
      new Uint32Array(size),
      new Uint32Array(size),
      new Uint32Array(size),
    ];
    const [timeOf, slowOf] = [new Float64Array(size), new Uint8Array(size)];
    for (let seq = s.head; seq < s.tail; seq++) {
      const [from, to] = [seq & s.mask, seq & (size - 1)];
      chunkOf[to] = s.chunkOf[from]!;
      offsetOf[to] = s.offsetOf[from]!;
      lengthOf[to] = s.lengthOf[from]!;
      timeOf[to] = s.timeOf[from]!;
      slowOf[to] = s.slowOf[from]!;
    }
    Object.assign(s, { mask: size - 1, chunkOf, offsetOf, lengthOf, timeOf, slowOf });
  }
}

/** Writes `value` as its u32 UTF-8 byte length, then those bytes; returns the offset after them. */
function writeString(chunk: Buffer, at: number, value: string): number {
  const length = chunk.write(value, at + 4, 'utf8');
  chunk.writeUInt32LE(length, at);
  return at + 4 + length;
}

function encodeQuery(query: AuditQuery): EncodedQuery {
  return {
    service: encodeFilter(query.service),
    location: encodeFilter(query.location),
    operation: encodeFilter(query.operation),
    resource: encodeFilter(query.resource),
    since: query.since?.getTime(),
    until: query.until?.getTime(),
  };
}

const sameBytes = (chunk: Buffer, from: number, to: number, wanted: Buffer): boolean =>
  to - from === wanted.length && chunk.compare(wanted, 0, wanted.length, from, to) === 0;

/** Where the bytes of a resource name's last segment start (see `lastSegment`). */
function lastSegmentStart(chunk: Buffer, from: number, to: number): number {
  for (let at = to - 1; at >= from; at--) {
    const byte = chunk[at];
    if (byte === SLASH || byte === COLON) return at + 1;
  }
  return from;
}
