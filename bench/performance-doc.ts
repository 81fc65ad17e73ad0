import { cpus, loadavg, totalmem, type } from 'node:os';

/** What the figures were measured on, and how busy it was. */
export function machine(): string {
  const cores = cpus();
  return [
    `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}`,
    `${Math.round(totalmem() / 1024 ** 3)} GiB RAM`,
    `${type()}`,
    `Node ${process.version}`,
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (1 / 5 / 15 min)`,
  ].join(', ');
}

/** Prose that goes with each section in docs/performance.md: what it measures, never its figures. */
export const SECTION_NOTES = {
  targets: `Each target compares Envelope with a baseline doing the least the same job needs, in the same
process and the same run: raw \`aes-256-gcm\` from \`node:crypto\` at Envelope's frame length (one
cipher, IV and tag per frame, each frame's output copied into one buffer allocated up front, as
Envelope's buffer API does); for the signed suite \`0x0578\` the
same plus SHA-384 over the ciphertext and one ECDSA P-384 signature (decrypt: one verification
before any plaintext is returned); for streams, raw GCM frames through two \`Transform\`s with the
same source and sink; for small messages, \`@aws-crypto/client-node\` with its defaults and the same
raw AES keyring, both sides warmed and each in a child process of its own (batches still alternating,
each about 250 ms of CPU), so neither side's garbage is collected on the other's clock; the \`0x0578\`
decrypt gain is measured the same way, end to end, against the same decrypt importing the verification
key as a JWK as the issue's baseline did (\`BENCH_TARGETS=small\` runs only these 1 KiB rows). Times
are CPU time of the process (user + system), not wall time, so that the other work on a shared machine
does not land on one side of a ratio; a target holds when its median does.
The per-second figures are absolute and so describe this machine only.`,
  scaling: `Checks that each public operation's cost grows at most linearly with its input (plaintext size,
encryption context pairs, encrypted data keys in the header); input chunk size is covered below. On a
loaded machine one step can exceed the slack by noise alone: a real quadratic cost shows as the cost
per unit growing about 4× at every 4× step.`,
  throughput: `Wall-clock throughput of the buffer API for Envelope, the AWS Encryption SDK and raw GCM, medians
of several runs. Small messages are dominated by per-message work, not by the cipher: a data key,
one HKDF extract with two HMAC expands, the header and its tag; for \`0x0578\` an ECDSA P-384 key
pair and signature per message (on decrypt, a verification) dominate whatever the size. Choose
\`0x0478\` for many small messages when a signature (proof of who wrote the message, beyond holding
the data key) is not needed.`,
  frames: `Envelope against raw AES-GCM at the same frame length. At 4 KiB (the AWS default) per-frame cipher
set-up dominates; throughput rises to a plateau from about 64 KiB. **The default frame length is
64 KiB** (\`DEFAULT_FRAME_LENGTH\`): near the top of the curve while keeping a streaming decrypt's
unverified-frame buffer small. Every frame length is valid for every reader.`,
  chunks: `The sender of a message chooses its frame length and, in effect, how its bytes arrive. The cost is
linear in the input: small chunks add a per-chunk cost (the source making the chunk, one iterator
step, one copy into a 64 KiB block), independent of the frame length.`,
  parallel: `The parallel mode (\`parallel: { workers }\`, the CLI's \`--threads\`) against
the single-thread path over the same data, in the same run: encryptFile / decryptFile of a 1 GiB file
(the target) and of a 256 MiB file (information: there the worker's start-up bounds the gain, and the
table gives that bound), and encryptStream / decryptStream of a 256 MiB stream in 1 MiB chunks
(information). **Wall time**, unlike the targets above: the mode
exists to use more cores, so it spends more CPU time in total and finishes sooner. The speed-up can
only be as good as the cores the machine leaves free: the load average before and after is printed
with the table; on a shared 2-vCPU machine other processes take part of the second core. The file
rows run in a process that first calls \`retainFreedMemory()\`, as the CLI does (next section).`,
  allocator: `Raw \`aes-256-gcm\` from \`node:crypto\` in a fresh process, one frame's cipher per 64 KiB
frame, with glibc's default thresholds and after \`retainFreedMemory()\` from \`@envelope/core\`
(which the CLI calls before encrypt, decrypt and rewrap): what returning the heap's top to the
kernel after each garbage collection, and faulting it in again, costs a frame on this machine. The
two are measured in separate processes, since the call cannot be undone in one; page faults are the
process's minor faults during the timed frames. Other allocators (musl, macOS) and Node versions
that reuse the frames' memory anyway gain nothing from the call (see docs/streaming.md).`,
  rewrap: `Rewrap against decrypt followed by encrypt (what a rewrap must at least do) and raw AES-GCM decrypt
and encrypt of the same frames (the floor).`,
  clouds: `One \`createKmsServer\` in memory serving AWS KMS JSON 1.1, Cloud KMS gRPC and Cloud KMS REST
over the same HSM core; each round is an Encrypt and a Decrypt of a 32-byte data key through the
cloud's official client (\`@aws-sdk/client-kms\`, \`@google-cloud/kms\` on gRPC and on its REST
fallback), 8 rounds in flight, 5 runs after a warm-up. Every call is audited in its transaction.`,
  list: `The first page (default Limit) of each KMS list operation through \`KmsEngine.execute\`, with the
store holding 1k, 10k or 100k keys, one alias and one grant per key (all grants retirable by one
principal, 60 more on the key ListGrants reads). Each page is a keyset range read of the store (by
name, or by a key / retiring-principal term), so its cost does not grow with the store: a ratio near 1×
is O(page). Wall time of 30 calls after a warm-up, each call audited in its transaction.`,
  fleet: `\`rotateFleet\` (read-back verification on, and off) against decrypt + encrypt of the same messages
with the same AWS KMS keys through the official SDK and the in-process emulator, both 8 messages in
flight. KMS calls are counted from the emulator's audit log: one Decrypt and one GenerateDataKey per
message on both sides, plus one Encrypt per run for rotateFleet to learn the target's key ARN. The
large messages are files on disk, rewritten to a temporary file and renamed. Verification decrypts
each new message once more (no KMS call) before it is stored.`,
  kms: `The KMS server (AWS JSON 1.1 face) against a bare \`node:http\` server answering canned
GenerateDataKey / Decrypt replies, each in a process of its own, driven by the same raw node:http
client at 8 and 32 connections; the server's own HTTP listener with canned replies, and servers
spinning a fixed CPU time per request, show where the ceiling's ratio goes. The durable rows use the
server's default store (SQLite, WAL, \`synchronous = NORMAL\`, group commit); every call is audited in
its transaction. docs/kms-server.md explains the profile and the bound.`,
  rss: `Generated input, SHA-256 compared end to end; peak RSS is VmHWM of the process, including the Node
runtime and tsx. Target < 128 MiB. The buffers held are a few frames per stream stage, whatever the
input size.`,
} as const;

export function performanceDoc(
  started: Date,
  before: string,
  after: string,
  sections: readonly { title: string; body: string }[],
): string {
  return `# Performance

<!-- Generated by \`pnpm bench:docs\` (bench/run.ts, bench/performance-doc.ts): edit those, not this file. -->

Every figure below comes from one run of the benchmark, which measures Envelope and each baseline in
the same run on the same machine; ratios within a run are the meaningful part. Absolute figures move
with the machine and its load.

- Run: ${started.toISOString()}
- Machine at the start: ${before}
- Machine at the end: ${after}

${sections.map((s) => `## ${s.title}\n\n${s.body}\n`).join('\n')}`;
}
