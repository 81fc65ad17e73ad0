#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { collectContext } from './commands/context-option.js';
import { decryptCommand } from './commands/decrypt.js';
import { encryptCommand } from './commands/encrypt.js';
import { inspectCommand } from './commands/inspect.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerKmsCommands } from './commands/kms-serve.js';
import { rewrapCommand } from './commands/rewrap.js';
import { describeFailure, ExitCode } from './exit-codes.js';
import { Reporter } from './report.js';
import { forTerminal } from './terminal-text.js';

// The AWS SDK warns on every run under Node 20 that future releases need Node 22; a CLI user cannot act
// on that per command. Set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command('envelope')
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

const reporter = (o: { json?: boolean; quiet?: boolean; output?: string }) =>
  new Reporter({ ...o, toStderr: !o.output });

io(
  program
    .command('encrypt')
    .description('encrypt a file or stdin')
    .argument('[input]', 'file to encrypt; - or none for stdin')
    .addOption(configOption())
    .option('-c, --context <key=value>', 'encryption context pair (repeatable)', collectContext),
).action(async (input, o) => encryptCommand(input, o, reporter(o)));

io(
  program
    .command('decrypt')
    .description('decrypt a file or stdin; output appears only if the whole message authenticates')
    .argument('[input]', 'file to decrypt; - or none for stdin')
    .addOption(configOption())
    .option(
      '-c, --require-context <key=value>',
      'context pair the message must carry (repeatable)',
      collectContext,
    ),
).action(async (input, o) => decryptCommand(input, o, reporter(o)));

io(
  program
    .command('rewrap')
    .description(
      'rewrite a message for other master keys: a new message (new id, body re-encrypted in one pass)',
    )
    .argument('[input]', 'message to rewrap; - or none for stdin')
    .addOption(configOption())
    .requiredOption('--to <file>', "config whose keyring holds the message's new master keys")
    .option(
      '--add',
      "keep the data key and every existing wrapped key; only add --to's master keys (unsigned suites)",
    ),
).action(async (input, o) => rewrapCommand(input, o, reporter(o)));

program
  .command('inspect')
  .description('show a message header (suite, frame length, context, wrapped keys) without decrypting')
  .argument('[input]', 'file to inspect; - or none for stdin')
  .option('--json', 'print as JSON')
  .action(async (input, o) => inspectCommand(input, new Reporter(o)));

registerKeysCommands(program);
registerKmsCommands(program);

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
