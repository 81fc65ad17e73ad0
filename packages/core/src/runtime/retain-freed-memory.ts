import { once } from 'node:events';
import { MessageChannel } from 'node:worker_threads';

/**
 * The block freed to move glibc's thresholds: above the initial mmap threshold (128 KiB), so glibc
 * maps it on its own, and below DEFAULT_MMAP_THRESHOLD_MAX (32 MiB on 64-bit) with room for the
 * chunk's header, since freeing a larger block leaves the thresholds where they are.
 */
const RETAIN_BLOCK_BYTES = 31 * 1024 * 1024;

let retained: Promise<void> | undefined;

/**
 * Asks the C allocator to keep memory it is given back for reuse, instead of returning it to the
 * kernel after each garbage collection: for a process that encrypts or decrypts in bulk, on Linux
 * with glibc. Call it once, early; later calls return the same promise. The `envelope` CLI calls it.
 *
 * Why: every frame node:crypto seals or opens returns a new buffer of the frame's size (64 KiB by
 * default), allocated with malloc. When V8's collector frees a batch of them, glibc gives the top of
 * its heap back to the kernel (its default trim threshold is 128 KiB), and the next frames touch
 * fresh pages, each one a page fault. Where a fault is dear (13–18 µs of CPU on our 2-vCPU VM),
 * that cost can exceed the cipher's (docs/streaming.md and docs/performance.md, "The C allocator").
 *
 * How: glibc's malloc raises its thresholds itself when a block it had mapped on its own is freed
 * (mallopt(3), M_MMAP_THRESHOLD: the mmap threshold becomes the freed block's size and the trim
 * threshold twice that). This frees one block of {@link RETAIN_BLOCK_BYTES} (never touched, so it
 * costs no fault) once the event loop has let it go: from then on the process keeps up to ≈ 62 MiB
 * of free memory at the top of each of glibc's arenas (the main thread's and each worker
 * thread's), and allocations below 31 MiB come from the arenas rather than from mmap. That is the
 * cost: a process that freed memory may keep that much more resident, and memory it freed is
 * handed out again rather than as the kernel's zeroed pages (a later `Buffer.allocUnsafe` may hold
 * bytes of buffers freed earlier; see docs/streaming.md). It is process-wide and cannot be undone;
 * it changes no result. With another allocator (musl, macOS, Windows) it allocates and frees that
 * block and changes nothing else; an application that set `MALLOC_TRIM_THRESHOLD_` or
 * `MALLOC_MMAP_THRESHOLD_` (or their `GLIBC_TUNABLES`) keeps its setting, since glibc then adjusts
 * nothing.
 */
export function retainFreedMemory(): Promise<void> {
  retained ??= free(Buffer.allocUnsafeSlow(RETAIN_BLOCK_BYTES).buffer as ArrayBuffer);
  return retained;
}

/**
 * Frees `block` now rather than at some later collection: its memory moves into a message that is
 * never read, and is freed when the channel's ports close.
 */
async function free(block: ArrayBuffer): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  const closed = Promise.all([once(port1, 'close'), once(port2, 'close')]);
  port1.postMessage(block, [block]);
  port1.close();
  port2.close();
  await closed;
}
