import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { keyringPackage as awsKms } from '@envelope/aws-kms';
import { keyringPackage as azureKeyVault } from '@envelope/azure-keyvault';
import { createContainer, envelopeConfig } from '@envelope/config';
import { KEYRING_ADAPTER, type KeyringAdapter } from '@envelope/core';
import { keyringPackage as gcpKms } from '@envelope/gcp-kms';
import { expect } from 'chai';
import { BIN } from './support/run-envelope.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI_DOC = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
const CONFIG_DOC = readFileSync(join(ROOT, 'docs/config.md'), 'utf8');
const run = promisify(execFile);

interface CommandHelp {
  path: string[];
  options: string[];
  env: string[];
}

/** Every command of the built CLI with its long options and variables, read from `--help` of each. */
async function commandTree(path: string[] = []): Promise<CommandHelp[]> {
  const { stdout } = await run(process.execPath, [BIN, ...path, '--help']);
  const section = (title: string) => {
    const start = stdout.indexOf(`\n${title}:\n`);
    if (start < 0) return '';
    const rest = stdout.slice(start + title.length + 3);
    const end = rest.search(/\n\S/);
    return end < 0 ? rest : rest.slice(0, end);
  };
  const options = [...section('Options').matchAll(/^\s+(?:-\w, )?(--[a-z][\w-]*)/gm)]
    .map((m) => m[1]!)
    .filter((flag) => flag !== '--help' && flag !== '--version');
  const env = [...stdout.matchAll(/env: (ENVELOPE_[A-Z0-9_]+)/g)].map((m) => m[1]!);
  const subcommands = [...section('Commands').matchAll(/^ {2}([a-z][\w-]*)/gm)]
    .map((m) => m[1]!)
    .filter((name) => name !== 'help');
  const children = await Promise.all(subcommands.map((name) => commandTree([...path, name])));
  return [...(path.length ? [{ path, options, env }] : []), ...children.flat()];
}

/** The text under one heading of docs/cli.md's reference, up to the next heading. */
function referenceEntry(path: string[]): string | undefined {
  const heading = `#### \`envelope ${path.join(' ')}\``;
  const start = CLI_DOC.indexOf(`\n${heading}\n`);
  if (start < 0) return undefined;
  const rest = CLI_DOC.slice(start + heading.length + 2);
  const end = rest.search(/^#{2,4} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** `ENVELOPE_*` names the sources read; names on a line about error codes are codes, not variables. */
function sourceVariables(): string[] {
  const files = [join(ROOT, 'apps/cli/src')];
  for (const name of readdirSync(join(ROOT, 'packages'))) files.push(join(ROOT, 'packages', name, 'src'));
  const names = new Set<string>();
  const codes = new Set<string>();
  const walk = (path: string) => {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry));
      return;
    }
    if (!path.endsWith('.ts')) return;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      for (const [name] of line.matchAll(/ENVELOPE_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_$])/g)) {
        (/\bcode\b/i.test(line) ? codes : names).add(name);
      }
    }
  };
  for (const dir of files) walk(dir);
  return [...names].filter((name) => !codes.has(name));
}

/** Option names of a zod object schema (through defaults, refinements and discriminated unions). */
function optionNames(schema: unknown): string[] {
  const def = (schema as { def?: { type?: string; innerType?: unknown; options?: unknown[] } }).def;
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  if (shape) return Object.keys(shape);
  if (def?.options) return def.options.flatMap(optionNames);
  if (def?.innerType) return optionNames(def.innerType);
  return [];
}

/** Named in code: `name`, or a flag after its short form (`-o, --output`). */
const mentioned = (doc: string, name: string) => new RegExp(`\`(?:-\\w,\\s)?${name}(?![\\w-])`).test(doc);

describe('docs/cli.md and docs/config.md cover what the code offers', function () {
  this.timeout(120_000);
  let tree: CommandHelp[];
  before(async () => {
    tree = await commandTree();
  });

  it('has a reference entry for every command, naming each of its options', () => {
    expect(tree.map((c) => c.path.join(' '))).to.include.members([
      'kms serve',
      'keys gcp create-ring',
      'keys import',
    ]);
    const missing: string[] = [];
    for (const command of tree) {
      const entry = referenceEntry(command.path);
      if (entry === undefined) {
        missing.push(`#### \`envelope ${command.path.join(' ')}\``);
        continue;
      }
      for (const option of command.options) {
        if (!mentioned(entry, option)) missing.push(`envelope ${command.path.join(' ')} ${option}`);
      }
    }
    expect(missing, 'missing from docs/cli.md').to.deep.equal([]);
  });

  it('lists every ENVELOPE_* environment variable (the sources and --help) in its table', () => {
    const table = CLI_DOC.slice(CLI_DOC.indexOf('\n## Environment variables\n'));
    expect(table.length).to.be.lessThan(CLI_DOC.length);
    const variables = new Set([...sourceVariables(), ...tree.flatMap((c) => c.env)]);
    expect([...variables]).to.include.members([
      'ENVELOPE_KMS_PORT',
      'ENVELOPE_EMULATOR',
      'ENVELOPE_KMS_ROOT_KEY',
    ]);
    const missing = [...variables].filter((name) => !new RegExp(`^\\| \`${name}\``, 'm').test(table));
    expect(missing, 'missing from the table in docs/cli.md').to.deep.equal([]);
  });

  it('docs/config.md names every envelope.yaml option, keyring type and keyring option', () => {
    const adapters = createContainer(
      [awsKms, gcpKms, azureKeyVault].map(
        (p) => p.containerModule as unknown as NonNullable<Parameters<typeof createContainer>[0]>[number],
      ),
    ).getAll<KeyringAdapter>(KEYRING_ADAPTER);
    expect(adapters.map((a) => a.type)).to.include.members(['raw-aes', 'multi', 'aws-kms', 'gcp-kms']);
    const shape = envelopeConfig.shape;
    const names = [
      ...Object.keys(shape),
      ...optionNames(shape.cache).map((name) => `cache.${name}`),
      ...optionNames(shape.emulator).map((name) => `emulator.${name}`),
      ...adapters.map((a) => a.type),
      ...adapters.flatMap((a) => optionNames(a.schema)),
    ];
    const missing = [...new Set(names)].filter((name) => !mentioned(CONFIG_DOC, name));
    expect(missing, 'missing from docs/config.md').to.deep.equal([]);
  });
});
