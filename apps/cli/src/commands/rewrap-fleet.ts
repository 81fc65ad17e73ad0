import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type FleetMessageResult, type FleetSummary, rotateFleet } from '@envelope/core';
import { CliError, ExitCode } from '../exit-codes.js';
import { fileMessage } from '../io/file-message.js';
import { expandInputs } from '../io/fleet-inputs.js';
import { fleetProgress } from '../io/fleet-progress.js';
import { JournalFile } from '../io/journal-file.js';
import { bytes } from '../io/progress.js';
import { openEnvelope } from '../open-envelope.js';
import { forTerminal, jsonForTerminal } from '../terminal-text.js';

export const DEFAULT_JOURNAL = '.envelope-rewrap.journal';

export interface FleetRewrapOptions {
  readonly config: string;
  readonly to?: string;
  readonly repair?: boolean;
  readonly dryRun?: boolean;
  readonly outDir?: string;
  readonly filesFrom?: string;
  readonly concurrency?: string;
  readonly journal?: string;
  readonly force?: boolean;
  readonly quiet?: boolean;
  readonly json?: boolean;
}

/**
 * `envelope rewrap` over many messages (see rotateFleet in @envelope/core): each is rewritten in
 * place (atomically) or under --out-dir, or only planned with --dry-run; a journal lets an
 * interrupted run resume without redoing anything. --repair re-adds the master keys of --config's
 * keyring that a message lacks and removes none.
 */
export async function rewrapFleetCommand(inputs: readonly string[], options: FleetRewrapOptions) {
  const mode = options.repair ? 'repair' : 'rotate';
  if (!options.repair && !options.to) {
    throw new CliError('rewrap needs --to <config> (or --repair).', ExitCode.USAGE, 'pass --to <file>');
  }
  const concurrency = options.concurrency === undefined ? 8 : Number(options.concurrency);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
    throw new CliError(
      `--concurrency must be an integer from 1 to 1024; got ${options.concurrency}.`,
      ExitCode.USAGE,
    );
  }
  const journalPath = resolve(options.journal ?? DEFAULT_JOURNAL);
  const files = await expandInputs(inputs, options.filesFrom, [journalPath]);
  // Through the CLI's own keyring packages (bundled), as every other command: the binary has no others.
  const from = await openEnvelope(options.config);
  const to = options.to ? await openEnvelope(options.to) : from;
  const journal = options.dryRun
    ? undefined
    : await JournalFile.open(journalPath, {
        mode,
        config: await fingerprint(options.config),
        to: options.to ? await fingerprint(options.to) : null,
        outDir: options.outDir ? resolve(options.outDir) : null,
      });
  const outDir = options.outDir && resolve(options.outDir);
  const progress = fleetProgress(
    files.length,
    files.reduce((n, f) => n + f.size, 0),
    !options.quiet && !options.json,
  );
  const sizes = new Map(files.map((f) => [f.path, f.size]));
  let summary: FleetSummary;
  try {
    summary = await rotateFleet(
      files.map((f) => fileMessage(f, outDir, options.force ?? false)),
      {
        keyring: from.keyring,
        targetKeyring: to.keyring,
        mode,
        concurrency,
        dryRun: options.dryRun ?? false,
        ...(journal ? { journal } : {}),
        ...(from.config.commitmentPolicy ? { commitmentPolicy: from.config.commitmentPolicy } : {}),
        ...(mode === 'rotate' && to.config.suite !== undefined ? { suiteId: to.config.suite } : {}),
        ...(to.config.frameLength === undefined ? {} : { frameLength: to.config.frameLength }),
        onMessage: (result) => progress.update(result, sizes.get(result.id) ?? 0),
      },
    );
  } finally {
    progress.stop();
  }
  // A finished run needs no journal; one with failures keeps it, so the next run retries only those.
  await journal?.close(summary.failed === 0 && !summary.interrupted);
  report(summary, options, journal?.path);
  if (summary.failed > 0) process.exitCode = ExitCode.FAILURE;
}

function report(summary: FleetSummary, options: FleetRewrapOptions, journal: string | undefined) {
  if (options.json) {
    process.stdout.write(
      `${jsonForTerminal({ operation: options.repair ? 'repair' : 'rewrap', ...summary })}\n`,
    );
    return;
  }
  if (summary.dryRun) for (const r of summary.results) process.stdout.write(`${forTerminal(planLine(r))}\n`);
  for (const f of summary.failures)
    process.stderr.write(`envelope: ${forTerminal(`failed ${f.id}: ${f.reason}`)}\n`);
  if (options.quiet) return;
  const adds = summary.results.filter((r) => r.outcome === 'rotated' && r.action === 'add').length;
  const parts = [
    summary.dryRun
      ? `${summary.planned} to rewrap`
      : `${summary.rotated} rewrapped (${adds} add, ${summary.rotated - adds} replace)`,
    `${summary.skipped} already as the target`,
    ...(summary.resumed ? [`${summary.resumed} done by an earlier run`] : []),
    `${summary.failed} failed`,
  ];
  const calls = summary.kmsCalls;
  process.stderr.write(
    `${forTerminal(
      `${options.repair ? 'repair' : 'rewrap'}: ${parts.join(', ')}; ${bytes(summary.bytesIn)} read in ${summary.seconds.toFixed(1)} s; ` +
        `key calls: ${calls.unwraps} unwraps, ${calls.wraps} wraps (+${calls.probeWraps} to learn the target's master keys)` +
        (summary.throttles
          ? `; throttled ${summary.throttles} times (concurrency now ${summary.finalConcurrency})`
          : '') +
        (summary.failed && journal ? `; journal kept at ${journal}: run again to retry the failed` : ''),
    )}\n`,
  );
}

function planLine(r: FleetMessageResult): string {
  if (r.outcome === 'skipped') return `${r.id}: already as the target`;
  if (r.outcome === 'failed') return `${r.id}: cannot read (${r.reason})`;
  const keys = [...(r.added ?? []).map((k) => `+${k}`), ...(r.removed ?? []).map((k) => `-${k}`)];
  return `${r.id}: would ${r.action === 'add' ? 'add master keys (data key kept)' : 'rewrap under a new data key'}: ${keys.join(' ')}`;
}

async function fingerprint(file: string) {
  return {
    file: resolve(file),
    sha256: createHash('sha256')
      .update(await readFile(file))
      .digest('hex'),
  };
}

/**
 * Many-message mode: several inputs, a directory or glob, or any option only it has. One file with
 * none of those keeps the single-message behaviour (to --output or stdout).
 */
export function isFleet(
  inputs: readonly string[],
  o: FleetRewrapOptions & { output?: string; add?: boolean },
): boolean {
  const fleet =
    inputs.length > 1 ||
    Boolean(o.repair || o.dryRun || o.outDir || o.filesFrom || o.journal || o.concurrency) ||
    (inputs.length === 1 && inputs[0] !== '-' && !isRegularFile(inputs[0]!));
  if (fleet && o.output) {
    throw new CliError(
      '--output takes one message; with many, rewrite in place or pass --out-dir.',
      ExitCode.USAGE,
    );
  }
  if (fleet && o.add) {
    throw new CliError(
      '--add is for one message; with many, master keys are added (data key kept) wherever the suite allows.',
      ExitCode.USAGE,
    );
  }
  return fleet;
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
