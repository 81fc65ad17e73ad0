/**
 * One pass of the allocator bench (allocator.ts), in a fresh process: raw AES-GCM over WARM_FRAMES
 * untimed and then FRAMES timed 64 KiB frames, after retainFreedMemory() when given `retain`;
 * prints the timed frames' wall ms and the process's minor page faults during them, as JSON.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { retainFreedMemory } from '@envelope/core';

export const FRAME = 64 * 1024;
/** Untimed frames first, so the heap has grown to its size: 128 MiB. */
export const WARM_FRAMES = 2048;
/** Timed frames: 512 MiB. */
export const FRAMES = 8192;

export interface AllocatorPass {
  readonly ms: number;
  readonly faults: number;
}

// Run as a script (benchChild); allocator.ts only imports the constants above.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('retain')) await retainFreedMemory();
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const frame = randomBytes(FRAME);
  const seal = (frames: number) => {
    for (let i = 0; i < frames; i++) {
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.update(frame);
      cipher.final();
    }
  };
  seal(WARM_FRAMES);
  const faults = process.resourceUsage().minorPageFault;
  const start = performance.now();
  seal(FRAMES);
  const pass: AllocatorPass = {
    ms: performance.now() - start,
    faults: process.resourceUsage().minorPageFault - faults,
  };
  process.stdout.write(JSON.stringify(pass));
}
