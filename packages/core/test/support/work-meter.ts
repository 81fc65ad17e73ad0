/**
 * Measures the work a function does, deterministically (no clocks): while it runs, every call of
 * the array and buffer operations whose cost grows with their length adds that length to `work` —
 * elements shifted by Array shift/unshift/splice, elements copied by slice, bytes copied by
 * Buffer.concat — and every field read or view of a Buffer (readUInt*, subarray) adds 1. A streaming
 * reader that is linear in its input keeps `work` within a small multiple of bytes + chunks; one
 * that re-shifts, re-concatenates or re-parses what it buffered does not.
 */
export async function meterWork<T>(run: () => Promise<T>): Promise<{ result: T; work: number }> {
  let work = 0;
  const restores = [
    ...(['shift', 'unshift', 'splice'] as const).map((name) =>
      patch(
        Array.prototype,
        name,
        (original) =>
          function (this: unknown[], ...args: unknown[]) {
            work += this.length;
            return original.apply(this, args);
          },
      ),
    ),
    patch(
      Array.prototype,
      'slice',
      (original) =>
        function (this: unknown[], ...args: unknown[]) {
          const out = original.apply(this, args) as unknown[];
          work += out.length;
          return out;
        },
    ),
    patch(Buffer, 'concat', (original) => (...args: unknown[]) => {
      const out = original(...args) as Buffer;
      work += out.length + (args[0] as unknown[]).length;
      return out;
    }),
    ...(['readUInt8', 'readUInt16BE', 'readUInt32BE', 'readBigUInt64BE', 'subarray'] as const).map((name) =>
      patch(
        Buffer.prototype,
        name,
        (original) =>
          function (this: Buffer, ...args: unknown[]) {
            work += 1;
            return original.apply(this, args);
          },
      ),
    ),
  ];
  try {
    const result = await run();
    return { result, work };
  } finally {
    for (const restore of restores) restore();
  }
}

type AnyFunction = (...args: unknown[]) => unknown;

/** Replaces `target[name]` with a wrapper of the method it finds; returns what puts it back exactly. */
function patch(target: object, name: string, wrap: (original: AnyFunction) => AnyFunction): () => void {
  const own = Object.getOwnPropertyDescriptor(target, name);
  const original = (target as Record<string, AnyFunction>)[name]!;
  Object.defineProperty(target, name, { value: wrap(original), writable: true, configurable: true });
  return () => {
    if (own) Object.defineProperty(target, name, own);
    else delete (target as Record<string, unknown>)[name];
  };
}

/** `data` cut into pieces of `size` bytes (views, no copy). */
export function chunksOf(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) out.push(data.subarray(at, at + size));
  return out;
}
