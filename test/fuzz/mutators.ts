import type { LengthField } from './layout.js';
import type { SeededRandom } from './random.js';
import type { Seed } from './seeds.js';

/** One mutation: reads the seed's layout (offsets of the unmutated seed) and edits `bytes`. */
export type Mutator = (rng: SeededRandom, bytes: Buffer, seed: Seed, others: readonly Seed[]) => Buffer;

const SUITE_IDS = [0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378, 0x0478, 0x0578];
/** Byte sequences that are not UTF-8, or are UTF-8 only to a lax decoder. */
const BAD_UTF8 = [
  [0xed, 0xa0, 0x80], // a lone high surrogate, CESU-style
  [0xed, 0xbf, 0xbf], // a lone low surrogate
  [0xc0, 0x80], // overlong NUL
  [0xff],
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xe2, 0x82], // truncated sequence
  [0xef, 0xbf, 0xbd], // U+FFFD itself (valid)
].map((b) => Buffer.from(b));

function extremes(field: LengthField, current: number): number[] {
  const max = field.size === 2 ? 0xffff : field.size === 4 ? 0xffffffff : Number.MAX_SAFE_INTEGER;
  const values = [0, 1, max, max - 1, current - 1, current + 1, current * 2, 0x80, 0x8000, 0x7fff];
  // 64 MiB is the reader's default maxFrameLength: at the limit and just past it.
  if (field.size >= 4)
    values.push(0x7fffffff, 0x80000000, 64 * 1024 * 1024, 64 * 1024 * 1024 + 1, 0xfffffffe);
  if (field.size === 8) values.push(2 ** 36 - 31, 2 ** 36 - 32, 2 ** 32, 2 ** 53);
  return values.filter((v) => v >= 0 && v <= max);
}

function writeField(bytes: Buffer, field: LengthField, value: number): void {
  if (field.at + field.size > bytes.length) return;
  if (field.size === 2) bytes.writeUInt16BE(value, field.at);
  else if (field.size === 4) bytes.writeUInt32BE(value, field.at);
  else bytes.writeBigUInt64BE(BigInt(value), field.at);
}

function readField(bytes: Buffer, field: LengthField): number {
  if (field.at + field.size > bytes.length) return 0;
  if (field.size === 2) return bytes.readUInt16BE(field.at);
  if (field.size === 4) return bytes.readUInt32BE(field.at);
  return Number(bytes.readBigUInt64BE(field.at));
}

/** Offsets where a structure starts or ends: truncating or splicing there reaches deeper checks. */
function boundaries(seed: Seed): number[] {
  const { layout } = seed;
  const points = [layout.context.start, layout.edkCountAt, layout.contentTypeAt, layout.headerEnd];
  points.push(layout.bodyStart);
  for (const edk of layout.edks) points.push(edk.start, edk.end);
  for (const frame of layout.frames) points.push(frame.start, frame.end, frame.end - 16);
  if (layout.footer) points.push(layout.footer.start, layout.footer.start + 2, layout.footer.end);
  return points;
}

const near = (rng: SeededRandom, at: number) => Math.max(0, at + rng.int(-2, 2));
const clampTo = (bytes: Buffer, at: number) => Math.min(Math.max(0, at), bytes.length);

export const MUTATORS: Readonly<Record<string, Mutator>> = {
  none: (_rng, bytes) => bytes,

  'bit-flip': (rng, bytes) => {
    const out = Buffer.from(bytes);
    for (let n = rng.int(1, 8); n > 0 && out.length > 0; n--) {
      const bit = rng.int(0, out.length * 8 - 1);
      out[bit >> 3]! ^= 1 << (bit & 7);
    }
    return out;
  },

  'byte-set': (rng, bytes) => {
    const out = Buffer.from(bytes);
    for (let n = rng.int(1, 4); n > 0 && out.length > 0; n--) {
      out[rng.int(0, out.length - 1)] = rng.pick([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, rng.int(0, 255)]);
    }
    return out;
  },

  truncate: (rng, bytes, seed) => {
    const cut = rng.chance(0.5) ? near(rng, rng.pick(boundaries(seed))) : rng.int(0, bytes.length);
    return bytes.subarray(0, clampTo(bytes, cut));
  },

  append: (rng, bytes, seed) => {
    const frame = rng.pick(seed.layout.frames);
    const extra = rng.chance(0.5)
      ? rng.bytes(rng.int(1, 64))
      : seed.bytes.subarray(frame.start, Math.min(frame.end, seed.bytes.length));
    return Buffer.concat([bytes, extra]);
  },

  'delete-range': (rng, bytes) => {
    const start = rng.int(0, bytes.length);
    const end = clampTo(bytes, start + rng.int(1, 48));
    return Buffer.concat([bytes.subarray(0, start), bytes.subarray(end)]);
  },

  'insert-range': (rng, bytes, seed) => {
    const at = rng.chance(0.5) ? clampTo(bytes, rng.pick(boundaries(seed))) : rng.int(0, bytes.length);
    return Buffer.concat([bytes.subarray(0, at), rng.bytes(rng.int(1, 48)), bytes.subarray(at)]);
  },

  splice: (rng, bytes, seed, others) => {
    const other = rng.pick(others);
    const at = clampTo(bytes, rng.chance(0.5) ? rng.pick(boundaries(seed)) : rng.int(0, bytes.length));
    const from = rng.chance(0.5) ? Math.min(at, other.bytes.length) : rng.int(0, other.bytes.length);
    return Buffer.concat([bytes.subarray(0, at), other.bytes.subarray(from)]);
  },

  'length-field': (rng, bytes, seed) => {
    const out = Buffer.from(bytes);
    const field = rng.pick(seed.layout.lengthFields);
    writeField(out, field, rng.pick(extremes(field, readField(out, field))));
    return out;
  },

  'edk-count': (rng, bytes, seed) => {
    const { layout } = seed;
    const count = layout.edks.length;
    if (rng.chance(0.5)) {
      const out = Buffer.from(bytes);
      const value = rng.pick([0, count - 1, count + 1, 32, 33, 0xffff, rng.int(2, 0xffff)]);
      if (layout.edkCountAt + 2 <= out.length) out.writeUInt16BE(Math.max(0, value), layout.edkCountAt);
      return out;
    }
    // Repeat EDK entries and raise the count to match: within and beyond the reader's limit of 32.
    const edk = rng.pick(layout.edks);
    const copies = rng.pick([1, 2, 31, 32, 40, 200]);
    const entry = seed.bytes.subarray(edk.start, edk.end);
    const total = Math.min(0xffff, count + copies);
    const countBytes = Buffer.alloc(2);
    countBytes.writeUInt16BE(total);
    return Buffer.concat([
      bytes.subarray(0, layout.edkCountAt),
      countBytes,
      ...Array.from({ length: copies }, () => entry),
      bytes.subarray(layout.edkCountAt + 2),
    ]);
  },

  'frame-swap': (rng, bytes, seed) => {
    const { frames } = seed.layout;
    if (frames.length < 2) return bytes;
    const i = rng.int(0, frames.length - 2);
    const j = rng.int(i + 1, frames.length - 1);
    const a = frames[i]!;
    const b = frames[j]!;
    return Buffer.concat([
      bytes.subarray(0, a.start),
      bytes.subarray(b.start, b.end),
      bytes.subarray(a.end, b.start),
      bytes.subarray(a.start, a.end),
      bytes.subarray(b.end),
    ]);
  },

  'frame-duplicate': (rng, bytes, seed) => {
    const frame = rng.pick(seed.layout.frames);
    const at = rng.chance(0.5) ? frame.end : rng.pick(seed.layout.frames).start;
    return Buffer.concat([bytes.subarray(0, at), bytes.subarray(frame.start, frame.end), bytes.subarray(at)]);
  },

  'frame-drop': (rng, bytes, seed) => {
    const frame = rng.pick(seed.layout.frames);
    return Buffer.concat([bytes.subarray(0, frame.start), bytes.subarray(frame.end)]);
  },

  'sequence-number': (rng, bytes, seed) => {
    const out = Buffer.from(bytes);
    const frame = rng.pick(seed.layout.frames);
    if (frame.sequenceAt < 0 || frame.sequenceAt + 4 > out.length) return out;
    const seq = frame.sequenceNumber;
    const value = rng.pick([0, seq - 1, seq + 1, seq + 2, 0xffffffff, 0xfffffffe, 0x80000000]);
    // Sometimes the regular frame's first word becomes the final-frame marker, and vice versa.
    out.writeUInt32BE(Math.max(0, value), rng.chance(0.2) && frame.final ? frame.start : frame.sequenceAt);
    return out;
  },

  'header-swap': (rng, bytes, seed, others) => {
    const other = rng.pick(others);
    return Buffer.concat([
      other.bytes.subarray(0, other.layout.bodyStart),
      bytes.subarray(seed.layout.bodyStart),
    ]);
  },

  'message-id-swap': (rng, bytes, seed, others) => {
    const other = rng.pick(others.filter((o) => o.layout.version === seed.layout.version));
    const out = Buffer.from(bytes);
    other.bytes.copy(
      out,
      seed.layout.messageId.start,
      other.layout.messageId.start,
      other.layout.messageId.end,
    );
    return out;
  },

  'suite-swap': (rng, bytes, seed) => {
    const out = Buffer.from(bytes);
    out.writeUInt16BE(rng.chance(0.8) ? rng.pick(SUITE_IDS) : rng.int(0, 0xffff), seed.layout.suiteAt);
    return out;
  },

  'header-byte': (rng, bytes, seed) => {
    const out = Buffer.from(bytes);
    const at = rng.pick(seed.layout.byteFields);
    if (at < out.length) out[at] = rng.pick([0x00, 0x01, 0x02, 0x03, 0x0c, 0x10, 0x80, 0xff]);
    return out;
  },

  'context-utf8': (rng, bytes, seed) => {
    const values = seed.layout.contextValues.filter((v) => v.end > v.start);
    if (values.length === 0) return bytes;
    const value = rng.pick(values);
    const out = Buffer.from(bytes);
    const bad = rng.pick(BAD_UTF8);
    // Keys sit just before their value's length field; aim at either.
    const at = rng.int(value.start, Math.max(value.start, value.end - bad.length));
    bad.copy(out, at, 0, Math.min(bad.length, value.end - at));
    return out;
  },

  'public-key': (rng, bytes, seed) => {
    const value = seed.layout.contextValues.find((v) => v.key === 'aws-crypto-public-key');
    if (!value) return bytes;
    const out = Buffer.from(bytes);
    const at = rng.int(value.start, value.end - 1);
    out[at] = rng.pick(
      [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='].map((c) => c.charCodeAt(0)),
    );
    return out;
  },

  footer: (rng, bytes, seed) => {
    const { footer } = seed.layout;
    if (!footer) return Buffer.concat([bytes, Buffer.from([0x00, 0x02, 0x30, 0x00])]);
    const choice = rng.int(0, 2);
    if (choice === 0) return bytes.subarray(0, clampTo(bytes, rng.int(footer.start, footer.end - 1)));
    const out = Buffer.from(bytes);
    if (choice === 1 && footer.start + 2 <= out.length) {
      out.writeUInt16BE(
        rng.pick([0, 1, 0xffff, footer.end - footer.start - 3, footer.end - footer.start - 1]),
        footer.start,
      );
    } else {
      const at = rng.int(footer.start + 2, footer.end - 1);
      if (at < out.length) out[at]! ^= 1 << rng.int(0, 7);
    }
    return out;
  },
};

/** How often each mutator is chosen: the structure-aware ones reach checks blind edits rarely hit. */
const WEIGHTS: ReadonlyArray<readonly [number, string]> = [
  [2, 'none'],
  [10, 'bit-flip'],
  [5, 'byte-set'],
  [8, 'truncate'],
  [4, 'append'],
  [4, 'delete-range'],
  [4, 'insert-range'],
  [5, 'splice'],
  [12, 'length-field'],
  [6, 'edk-count'],
  [6, 'frame-swap'],
  [5, 'frame-duplicate'],
  [5, 'frame-drop'],
  [6, 'sequence-number'],
  [4, 'header-swap'],
  [3, 'message-id-swap'],
  [4, 'suite-swap'],
  [4, 'header-byte'],
  [5, 'context-utf8'],
  [3, 'public-key'],
  [5, 'footer'],
];

export interface Mutant {
  readonly bytes: Buffer;
  readonly seed: Seed;
  /** The mutators applied, in order. */
  readonly mutations: readonly string[];
}

/** One to three stacked mutations of a randomly chosen seed. */
export function mutate(rng: SeededRandom, seeds: readonly Seed[]): Mutant {
  const seed = rng.pick(seeds);
  const others = seeds.filter((s) => s !== seed);
  const rounds = rng.weighted([
    [6, 1],
    [3, 2],
    [1, 3],
  ] as const);
  let bytes = seed.bytes;
  const mutations: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const name = rng.weighted(WEIGHTS);
    if (name === 'none' && i > 0) continue;
    bytes = MUTATORS[name]!(rng, bytes, seed, others);
    mutations.push(name);
    if (name === 'none') break;
  }
  return { bytes, seed, mutations };
}
