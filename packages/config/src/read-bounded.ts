import type { FileHandle } from 'node:fs/promises';

/**
 * Reads an open file to its end but never more than `max` bytes, so a device such as /dev/zero or
 * an endless pipe cannot exhaust memory or hang the caller. Returns undefined when there is more.
 * The scratch buffer is zero-filled since key files pass through it.
 */
export async function readBounded(handle: FileHandle, max: number): Promise<Buffer | undefined> {
  // One byte more than allowed tells "exactly max" from "more than max".
  const buffer = Buffer.alloc(max + 1);
  try {
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return Buffer.from(buffer.subarray(0, length));
      length += bytesRead;
      if (length === buffer.length) return undefined;
    }
  } finally {
    buffer.fill(0);
  }
}
