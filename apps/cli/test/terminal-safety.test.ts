import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptMessage, RawAesKeyring } from '@envelope/core';
import { expect } from 'chai';
import { forTerminal, jsonForTerminal } from '../src/terminal-text.js';
import { envelope } from './support/run-envelope.js';

// Anything a terminal may act on: C0 (bar the line feed that ends a line), DEL, C1, bidi controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const CLIPBOARD = 'clip\x1b]52;c;aGVsbG8=\x07';
const CLEAR = 'clear\x1b[2J';
const C1_CSI = 'csi\x9b31m';
const BIDI = 'invoice\u202egnp.exe';
const PROVIDER = 'evil\x1b]0;pwned\x07';

describe('terminal safety: text from a message is printed with control characters escaped', () => {
  let dir: string;
  const context = { [CLIPBOARD]: CLEAR, [C1_CSI]: BIDI };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-tty-'));
    await writeFile(join(dir, 'east.key'), randomBytes(32));
    await writeFile(
      join(dir, 'east.yaml'),
      'keyring: { type: raw-aes, keyNamespace: dr, keyName: east, key: { file: east.key } }\n',
    );
    // A hostile message: context pairs and a provider id carrying OSC, CSI, C1 and bidi controls.
    const keyring = new RawAesKeyring({
      keyNamespace: PROVIDER,
      keyName: 'k',
      wrappingKey: randomBytes(32),
    });
    const parts: Uint8Array[] = [];
    for await (const part of encryptMessage([Buffer.from('hi')], { keyring, encryptionContext: context })) {
      parts.push(part);
    }
    await writeFile(join(dir, 'hostile.env'), Buffer.concat(parts));
  });

  it('forTerminal shows C0, DEL, C1 and bidi controls as visible escapes and keeps other text', () => {
    expect(forTerminal('a\x1b[2Jb\x07\x7f\x9b\u202e\u2066\t\n✓ é')).to.equal(
      'a\\x1b[2Jb\\x07\\x7f\\x9b\\u202e\\u2066\\t\\n✓ é',
    );
  });

  it('jsonForTerminal is JSON for the same value, with no raw control character', () => {
    const value = { [CLIPBOARD]: `${CLEAR}\x7f${C1_CSI}${BIDI}` };
    const json = jsonForTerminal(value);
    expect(json).not.to.match(RAW_CONTROL);
    expect(JSON.parse(json)).to.deep.equal(value);
  });

  it('inspect escapes the context and provider ids of a hostile message', async () => {
    const run = await envelope(dir, 'inspect', 'hostile.env');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).not.to.match(RAW_CONTROL);
    expect(run.stdout).to.include('clip\\x1b]52;c;aGVsbG8=\\x07 = clear\\x1b[2J');
    expect(run.stdout).to.include('csi\\x9b31m = invoice\\u202egnp.exe');
    expect(run.stdout).to.include('evil\\x1b]0;pwned\\x07');
  });

  it('inspect --json keeps the exact strings and prints no raw control character', async () => {
    const run = await envelope(dir, 'inspect', 'hostile.env', '--json');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).not.to.match(RAW_CONTROL);
    const header = JSON.parse(run.stdout);
    expect(header.encryptionContext).to.deep.include(context);
    expect(header.encryptedDataKeys[0].providerId).to.equal(PROVIDER);
  });

  it('an error that quotes the provider ids escapes them', async () => {
    const run = await envelope(dir, 'decrypt', 'hostile.env', '-o', 'out.bin', '--config', 'east.yaml');
    expect(run.code).to.equal(5);
    expect(run.stderr).not.to.match(RAW_CONTROL);
    expect(run.stderr).to.include('evil\\x1b]0;pwned\\x07');
  });
});
