#!/usr/bin/env node
import { retainFreedMemory } from '@envelope/core';
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { collectContext } from './commands/context-option.js';
import { decryptCommand } from './commands/decrypt.js';
import { encryptCommand } from './commands/encrypt.js';
import { inspectCommand } from './commands/inspect.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerKmsCommands } from './commands/kms-serve.js';
import { rewrapCommand } from './commands/rewrap.js';
import { DEFAULT_JOURNAL, isFleet, rewrapFleetCommand } from './commands/rewrap-fleet.js';
import { emptyVariablesAreUnset } from './empty-variables.js';
import { CliError, describeFailure, ExitCode } from './exit-codes.js';
import { Reporter } from './report.js';
import { forTerminal } from './terminal-text.js';

const program = new Command('envelope')
  .version(packageJson.version, '-V, --version', 'print the version of envelope')
  .description('Envelope encryption with pluggable key management (AWS Encryption SDK message format).')
  .showHelpAfterError('(run envelope --help for usage)')
  .exitOverride();

const configOption = () =>
  new Option('--config <file>', 'envelope.yaml or envelope.json naming the keyring')
    .env('ENVELOPE_CONFIG')
    .default('envelope.yaml');
const io = (command: Command) =>
  command
    .option('-o, --output <file>', 'write here (atomically) instead of stdout')
    .option('-f, --force', 'replace an existing output file')
    .option('-q, --quiet', 'no progress bar or summary')
    .option('--json', 'print the summary as JSON on stdout (requires --output)');

/** Worker threads for the frames (encrypt, decrypt, rewrap of one file); see io/parallel-choice.ts. */
const threads = (command: Command) =>
  command
    .addOption(
      new Option(
        '--threads <n|auto>',
        'seal/open frames on n threads (0 = one thread); auto (the default): one per CPU for an unsigned (0x0478) file-to-file message of 512 MiB or more, one thread otherwise',
      ).env('ENVELOPE_THREADS'),
    )
    .option('--no-parallel', 'use one thread whatever the input size (same as --threads 0)');

// encrypt, decrypt and rewrap first call retainFreedMemory (@envelope/core): the frames' buffers are
// then reused rather than faulted in afresh after each collection (docs/performance.md, "The C
// allocator"); a process that runs one command can keep that memory.
const reporter = (o: { json?: boolean; quiet?: boolean; output?: string }) =>
  new Reporter({ ...o, toStderr: !o.output });

io(
  threads(program.command('encrypt'))
    .description('encrypt a file or stdin')
    .argument('[input]', 'file to encrypt; - or none for stdin')
    .addOption(configOption())
    .option('-c, --context <key=value>', 'encryption context pair (repeatable)', collectContext),
).action(async (input, o) => {
  await retainFreedMemory();
  return encryptCommand(input, o, reporter(o));
});

io(
  threads(program.command('decrypt'))
    .description('decrypt a file or stdin; output appears only if the whole message authenticates')
    .argument('[input]', 'file to decrypt; - or none for stdin')
    .addOption(configOption())
    .option(
      '-c, --require-context <key=value>',
      'context pair the message must carry (repeatable)',
      collectContext,
    )
    .option(
      '--reproduce-context <key=value>',
      'context pair the message authenticates but does not store (required encryption context; repeatable)',
      collectContext,
    ),
).action(async (input, o) => {
  await retainFreedMemory();
  return decryptCommand(input, o, reporter(o));
});

io(
  threads(program.command('rewrap'))
    .description(
      'rewrite messages for other master keys: each a new message (new id, body re-encrypted in one pass); one file to --output/stdout, or many (directories, globs, --files-from) in place or under --out-dir',
    )
    .argument(
      '[inputs...]',
      'message(s) to rewrap: a file (- or none for stdin), or files, directories and globs',
    )
    .addOption(configOption())
    .option('--to <file>', "config whose keyring holds the messages' new master keys")
    .option(
      '--add',
      "keep the data key and every existing wrapped key; only add --to's master keys (one file; unsigned suites)",
    )
    .option('--repair', "re-add the master keys of --config's keyring that a message lacks (removes none)")
    .option('--dry-run', 'show per message which master keys would be added and removed; change nothing')
    .option('--out-dir <dir>', 'write each rewrapped message here (same relative path) instead of in place')
    .option('--files-from <file>', 'read input paths, one per line, from a file (- for stdin)')
    .option(
      '--concurrency <n>',
      'most messages in flight (lowered while the key service throttles); default 8',
    )
    .option('--journal <file>', `resume journal for many inputs (default ${DEFAULT_JOURNAL})`),
).action(async (inputs: string[], o) => {
  await retainFreedMemory();
  if (isFleet(inputs, o)) return rewrapFleetCommand(inputs, o);
  if (!o.to)
    throw new CliError('rewrap needs --to <config> (or --repair).', ExitCode.USAGE, 'pass --to <file>');
  return rewrapCommand(inputs[0], o, reporter(o));
});

program
  .command('inspect')
  .description('show a message header (suite, frame length, context, wrapped keys) without decrypting')
  .argument('[input]', 'file to inspect; - or none for stdin')
  .option('--json', 'print as JSON')
  .action(async (input, o) => inspectCommand(input, new Reporter(o)));

registerKeysCommands(program);
registerKmsCommands(program);
emptyVariablesAreUnset(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  } else {
    const failure = describeFailure(error);
    // Messages may quote the message's contents (provider ids, context keys): escape for the terminal.
    const hint = failure.hint ? ` (${forTerminal(failure.hint)})` : '';
    process.stderr.write(`envelope: ${forTerminal(failure.message)}${hint}\n`);
    process.exitCode = failure.exitCode;
  }
}
