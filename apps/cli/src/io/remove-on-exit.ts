import { rmSync } from 'node:fs';
import { constants } from 'node:os';

/**
 * Files to delete however the process ends: normal exit, process.exit, an uncaught error, or
 * SIGINT / SIGTERM / SIGHUP (Ctrl-C, `kill`, a closed terminal). On a signal the files are removed
 * and the process exits with the conventional code 128 + signal number (130 for SIGINT, 143 for
 * SIGTERM). Only SIGKILL and a power cut escape this; temporary files are mode 0600 for that case.
 * The handlers are installed only while there is something to remove, so Ctrl-C keeps its default
 * behaviour the rest of the time.
 */
const pending = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Registers `path` for removal on exit; call the returned function once it is renamed or removed. */
export function removeOnExit(path: string): () => void {
  if (pending.size === 0) install();
  pending.add(path);
  return () => {
    if (pending.delete(path) && pending.size === 0) uninstall();
  };
}

function removePending(): void {
  // Synchronous: this runs in 'exit' and signal handlers, where nothing asynchronous completes.
  for (const path of pending) rmSync(path, { force: true });
  pending.clear();
}

function onSignal(signal: (typeof SIGNALS)[number]): void {
  removePending();
  process.exit(128 + constants.signals[signal]);
}

function install(): void {
  process.on('exit', removePending);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  process.off('exit', removePending);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
