import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built binary: CLI tests run what users run. */
export const BIN = fileURLToPath(new URL('../../dist/envelope.mjs', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** The working directory (where `envelope.yaml` is found). */
  readonly cwd: string;
  /** Variables added to this process's environment; `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default 30 s. */
  readonly timeoutMs?: number;
}

/** Runs `envelope ...args` in `cwd` and resolves with its exit code and output (never rejects). */
export function envelope(cwd: string, ...args: string[]): Promise<Run> {
  return runEnvelope({ cwd }, ...args);
}

/**
 * {@link envelope} with options. `ENVELOPE_CONFIG` is blank (unset, for the CLI) unless `env` sets it,
 * so a config in the caller's environment never leaks in. Asynchronous, so an emulator server in
 * this process keeps answering while the CLI runs.
 */
export function runEnvelope(options: RunOptions, ...args: string[]): Promise<Run> {
  const env = Object.fromEntries(
    Object.entries({ ...process.env, ENVELOPE_CONFIG: '', ...options.env }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** util-linux `script`, which gives the CLI a terminal; tests that need one skip without it. */
export const TERMINAL_SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

/**
 * Runs `envelope ...args` in `cwd` with a terminal for stdin/stdout/stderr (through
 * {@link TERMINAL_SCRIPT}, which must exist): what the user sees, as one text.
 */
export function onTerminal(cwd: string, ...args: string[]): Promise<string> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) =>
    execFile(
      TERMINAL_SCRIPT!,
      ['-qec', command, '/dev/null'],
      { cwd, env: { ...process.env, ENVELOPE_CONFIG: '' } },
      (_e, stdout) => resolve(stdout),
    ),
  );
}
