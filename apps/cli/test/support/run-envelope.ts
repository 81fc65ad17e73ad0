import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built binary: CLI tests run what users run. */
export const BIN = fileURLToPath(new URL('../../dist/envelope.mjs', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `envelope ...args` in `cwd` and resolves with its exit code and output (never rejects). */
export function envelope(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, ENVELOPE_CONFIG: '' }, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
