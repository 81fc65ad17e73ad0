import { CliError, ExitCode } from '../exit-codes.js';

/** Collects repeated `--context key=value` options into an encryption context. */
export function collectContext(pair: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = pair.indexOf('=');
  if (at <= 0)
    throw new CliError(`Invalid --context '${pair}'.`, ExitCode.USAGE, 'write --context key=value');
  return { ...previous, [pair.slice(0, at)]: pair.slice(at + 1) };
}
