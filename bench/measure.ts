import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Median wall time of `runs` calls after one warm-up, in milliseconds. */
export async function medianMs(
  fn: () => Promise<unknown> | unknown,
  runs: number,
  perRun = 1,
): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < perRun; i++) await fn();
    times.push((performance.now() - start) / perRun);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [
    header,
    ...rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toFixed(c >= 100 ? 0 : 2) : c))),
  ];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => `| ${r.map((c, i) => String(c).padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(cells[0]!),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, // as biome formats a markdown table
    ...cells.slice(1).map(line),
  ].join('\n');
}

/**
 * Runs `script` (a path relative to bench/) in a process of its own (its own heap, so RSS and GC
 * are its alone), under tsx with the workspace's sources, and returns what it printed on stdout;
 * its progress on stderr goes to this process's stderr.
 */
export function benchChild(script: string, args: readonly string[] = []): string {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return execFileSync(process.execPath, ['--import', 'tsx', '--conditions=@envelope/source', path, ...args], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}
