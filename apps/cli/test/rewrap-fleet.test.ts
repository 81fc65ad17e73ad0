import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectMessage, masterKeyId } from '@envelope/core';
import { expect } from 'chai';
import { BIN, envelope, onTerminal, TERMINAL_SCRIPT } from './support/run-envelope.js';

const ring = (name: string) =>
  `{ type: raw-aes, keyNamespace: dr, keyName: ${name}, key: { file: ${name}.key } }`;

/** A working directory with raw AES keys east/west/north and a config per key and per combination. */
async function workspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'envelope-fleet-'));
  for (const name of ['east', 'west', 'north']) {
    await writeFile(join(dir, `${name}.key`), randomBytes(32));
    await writeFile(join(dir, `${name}.yaml`), `keyring: ${ring(name)}\n`);
  }
  const multi = (suite: string, g: string, ...c: string[]) =>
    `suite: "${suite}"\nkeyring: { type: multi, generator: ${ring(g)}, children: [${c.map(ring).join(', ')}] }\n`;
  await writeFile(join(dir, 'all.yaml'), multi('0x0578', 'east', 'west', 'north'));
  await writeFile(join(dir, 'east-west-unsigned.yaml'), multi('0x0478', 'east', 'west'));
  await writeFile(join(dir, 'west-north.yaml'), multi('0x0578', 'west', 'north'));
  return dir;
}

/** Encrypts `count` random files under `config` into `dir/sub`, returning path → plaintext. */
async function messages(dir: string, sub: string, count: number, config = 'east.yaml', size = 3000) {
  const plaintexts = new Map<string, Buffer>();
  await mkdir(join(dir, sub), { recursive: true });
  const plain = join(dir, 'plain.bin');
  for (let i = 0; i < count; i++) {
    const data = randomBytes(size + i);
    await writeFile(plain, data);
    const path = join(sub, `m${String(i).padStart(4, '0')}.env`);
    const run = await envelope(dir, 'encrypt', 'plain.bin', '-o', path, '--config', config, '-q');
    expect(run.code, run.stderr).to.equal(0);
    plaintexts.set(path, data);
  }
  return plaintexts;
}

async function keysOf(path: string): Promise<string[]> {
  return (await inspectMessage([await readFile(path)])).header.encryptedDataKeys.map(masterKeyId).sort();
}

async function decryptsWith(dir: string, path: string, config: string, plaintext: Buffer): Promise<boolean> {
  const out = `out-${randomBytes(4).toString('hex')}`;
  const run = await envelope(dir, 'decrypt', path, '-o', out, '--config', config, '-q');
  return run.code === 0 && (await readFile(join(dir, out))).equals(plaintext);
}

async function snapshot(dir: string, sub: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of await readdir(join(dir, sub), { recursive: true })) {
    const path = join(dir, sub, name);
    if ((await stat(path)).isFile()) files.set(name, await readFile(path));
  }
  return files;
}

describe('envelope rewrap over many messages (built binary)', () => {
  it('rotates a directory recursively in place: new master key, same plaintext, permissions kept', async () => {
    const dir = await workspace();
    const plaintexts = await messages(dir, 'data', 3);
    plaintexts.set('data/deep/x.env', (await messages(dir, 'data/deep', 1)).get('data/deep/m0000.env')!);
    await chmod(join(dir, 'data/m0001.env'), 0o640);
    const run = await envelope(dir, 'rewrap', 'data', '--config', 'east.yaml', '--to', 'west.yaml', '--json');
    expect(run.code, run.stderr).to.equal(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).to.include({ messages: 4, rotated: 4, failed: 0, skipped: 0 });
    expect(summary.kmsCalls).to.deep.equal({ unwraps: 4, wraps: 4, probeWraps: 1 });
    for (const [path, plaintext] of plaintexts) {
      const file = path === 'data/deep/x.env' ? 'data/deep/m0000.env' : path;
      expect(await keysOf(join(dir, file))).to.deep.equal(['dr west']);
      expect(await decryptsWith(dir, file, 'west.yaml', plaintext)).to.equal(true);
    }
    expect((await stat(join(dir, 'data/m0001.env'))).mode & 0o777).to.equal(0o640);
    const names = await readdir(dir, { recursive: true });
    expect(names.filter((n) => n.endsWith('.partial') || n.includes('journal'))).to.deep.equal([]);
  });

  it('--dry-run prints the master keys each message would gain and lose, and changes nothing', async () => {
    const dir = await workspace();
    await messages(dir, 'data', 2);
    const before = await snapshot(dir, 'data');
    const run = await envelope(
      dir,
      'rewrap',
      'data',
      '--config',
      'east.yaml',
      '--to',
      'all.yaml',
      '--dry-run',
    );
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/m0000\.env: would rewrap under a new data key: \+dr west \+dr north\n/);
    expect(run.stderr).to.match(/2 to rewrap/);
    expect(await snapshot(dir, 'data')).to.deep.equal(before);
    expect(await readdir(dir)).to.not.include('.envelope-rewrap.journal');
  });

  it('leaves files that fail byte-identical, says why, exits 1, and rotates the rest', async () => {
    const dir = await workspace();
    await messages(dir, 'data', 2);
    const damaged = await readFile(join(dir, 'data/m0001.env'));
    damaged[damaged.length - 150]! ^= 1;
    await writeFile(join(dir, 'data/m0001.env'), damaged);
    await writeFile(join(dir, 'data/notes.txt'), 'not a message');
    const run = await envelope(dir, 'rewrap', 'data', '--config', 'east.yaml', '--to', 'west.yaml');
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/failed .*m0001\.env: Decryption failed/);
    expect(run.stderr).to.match(/failed .*notes\.txt: Invalid message header/);
    expect(run.stderr).to.match(/1 rewrapped .* 2 failed/);
    expect(await readFile(join(dir, 'data/m0001.env'))).to.deep.equal(damaged);
    expect(await readFile(join(dir, 'data/notes.txt'), 'utf8')).to.equal('not a message');
    expect(await keysOf(join(dir, 'data/m0000.env'))).to.deep.equal(['dr west']);
  });

  it('skips messages already wrapped as the target says; writes nothing', async () => {
    const dir = await workspace();
    await messages(dir, 'data', 3, 'west.yaml');
    const before = await snapshot(dir, 'data');
    const run = await envelope(dir, 'rewrap', 'data', '--config', 'east.yaml', '--to', 'west.yaml', '--json');
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.include({ skipped: 3, rotated: 0 });
    expect(JSON.parse(run.stdout).kmsCalls).to.include({ unwraps: 0, wraps: 0 });
    expect(await snapshot(dir, 'data')).to.deep.equal(before);
  });

  it('--out-dir writes side by side (same relative paths) from a glob and from --files-from -', async () => {
    const dir = await workspace();
    const plaintexts = await messages(dir, 'data', 3);
    const before = await snapshot(dir, 'data');
    const glob = await envelope(
      dir,
      'rewrap',
      'data/m000[01].env',
      '--config',
      'east.yaml',
      '--to',
      'west.yaml',
      '--out-dir',
      'rotated',
    );
    expect(glob.code, glob.stderr).to.equal(0);
    expect((await readdir(join(dir, 'rotated/data'))).sort()).to.deep.equal(['m0000.env', 'm0001.env']);
    const listed = await new Promise<number>((resolve) => {
      const child = execFile(
        process.execPath,
        [
          BIN,
          'rewrap',
          '--files-from',
          '-',
          '--config',
          'east.yaml',
          '--to',
          'west.yaml',
          '--out-dir',
          'listed',
          '-q',
        ],
        { cwd: dir },
        (error) => resolve(error ? Number(error.code) : 0),
      );
      child.stdin!.end('data/m0002.env\n\ndata/m0000.env\n');
    });
    expect(listed).to.equal(0);
    expect((await readdir(join(dir, 'listed/data'))).sort()).to.deep.equal(['m0000.env', 'm0002.env']);
    expect(await snapshot(dir, 'data')).to.deep.equal(before);
    expect(
      await decryptsWith(dir, 'listed/data/m0002.env', 'west.yaml', plaintexts.get('data/m0002.env')!),
    ).to.equal(true);
  });

  it('--repair re-adds the missing master keys (add where the suite allows, else replace); complete ones skipped', async () => {
    const dir = await workspace();
    const unsigned = await messages(dir, 'data/a', 1, 'east-west-unsigned.yaml');
    const signed = await messages(dir, 'data/b', 1, 'west-north.yaml');
    const complete = await messages(dir, 'data/c', 1, 'all.yaml');
    const untouched = await readFile(join(dir, 'data/c/m0000.env'));
    const run = await envelope(dir, 'rewrap', '--repair', '--config', 'all.yaml', 'data', '--json');
    expect(run.code, run.stderr).to.equal(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).to.include({ operation: 'repair', rotated: 2, skipped: 1, failed: 0 });
    const byFile = (f: string) => summary.results.find((r: { id: string }) => r.id.endsWith(f));
    expect(byFile('a/m0000.env')).to.include({ action: 'add' });
    expect(byFile('a/m0000.env').added).to.deep.equal(['dr north']);
    expect(byFile('b/m0000.env')).to.include({ action: 'replace' });
    expect(summary.kmsCalls).to.deep.equal({ unwraps: 2, wraps: 1 + 3, probeWraps: 3 });
    expect(await readFile(join(dir, 'data/c/m0000.env'))).to.deep.equal(untouched);
    for (const [path, plaintext] of [...unsigned, ...signed, ...complete]) {
      for (const key of ['east.yaml', 'west.yaml', 'north.yaml']) {
        expect(await decryptsWith(dir, path, key, plaintext), `${path} with ${key}`).to.equal(true);
      }
    }
  });

  it('resumes after being killed mid-run: every message rotated exactly once (the journal shows it)', async function () {
    this.timeout(240_000);
    const dir = await workspace();
    // Many small messages made in-process (the binary once per message would be slow).
    const plaintexts = new Map<string, Buffer>();
    await mkdir(join(dir, 'data'));
    const { createEnvelope } = await import('@envelope/config');
    const east = await createEnvelope({ configFile: join(dir, 'east.yaml') });
    for (let i = 0; i < 600; i++) {
      const plaintext = randomBytes(2000);
      const path = `data/m${String(i).padStart(4, '0')}.env`;
      await writeFile(join(dir, path), (await east.encrypt(plaintext)).ciphertext);
      plaintexts.set(path, plaintext);
    }
    const journal = join(dir, '.envelope-rewrap.journal');
    const args = [BIN, 'rewrap', 'data', '--config', 'east.yaml', '--to', 'west.yaml', '--concurrency', '2'];
    const child = spawn(process.execPath, args, { cwd: dir, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (;;) {
      const lines = (await readFile(journal, 'utf8').catch(() => '')).split('\n');
      if (lines.filter((l) => l.includes('"done"')).length >= 40) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
    const entries = (await readFile(journal, 'utf8'))
      .split('\n')
      .slice(1)
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
    const doneBefore = new Set(entries.filter((e) => e.state === 'done').map((e) => e.id));
    expect(doneBefore.size).to.be.within(40, 599);

    const resume = await envelope(
      dir,
      'rewrap',
      'data',
      '--config',
      'east.yaml',
      '--to',
      'west.yaml',
      '--json',
    );
    expect(resume.code, resume.stderr).to.equal(0);
    const summary = JSON.parse(resume.stdout);
    expect(summary).to.include({ messages: 600, failed: 0 });
    expect(summary.resumed + summary.rotated).to.equal(600);
    expect(summary.resumed).to.be.at.least(doneBefore.size);
    // Nothing done before the kill was processed again, and the resume unwrapped once per message it rotated.
    const rotatedNow = summary.results.filter((r: { outcome: string }) => r.outcome === 'rotated');
    for (const r of rotatedNow) expect(doneBefore.has(r.id)).to.equal(false);
    expect(summary.kmsCalls.unwraps).to.equal(rotatedNow.length);
    // The message each file now holds is the one the journal (or the resume) says was written.
    const written = new Map<string, string>();
    for (const e of entries) if (e.state === 'rewriting') written.set(e.id, e.messageId);
    for (const r of summary.results) if (r.outcome === 'rotated') written.set(r.id, r.messageIdAfter);
    for (const [path, plaintext] of plaintexts) {
      const bytes = await readFile(join(dir, path));
      const { header } = await inspectMessage([bytes]);
      expect(header.encryptedDataKeys.map(masterKeyId)).to.deep.equal(['dr west']);
      const id = [...written.keys()].find((k) => k.endsWith(path))!;
      expect(header.messageId.toString('hex')).to.equal(written.get(id));
      if (Number(path.slice(6, 10)) % 50 === 0) {
        expect(await decryptsWith(dir, path, 'west.yaml', plaintext)).to.equal(true);
      }
    }
    expect(await readdir(dir)).to.not.include('.envelope-rewrap.journal');
  });

  it('draws no progress on a non-terminal and keeps one-file rewrap as it was', async () => {
    const dir = await workspace();
    await messages(dir, 'data', 2);
    const many = await envelope(dir, 'rewrap', 'data', '--config', 'east.yaml', '--to', 'west.yaml');
    expect(many.stderr).to.not.match(/ETA|\r/);
    expect(many.stderr.includes('\u001b')).to.equal(false);
    expect(many.stderr.trim().split('\n')).to.have.length(1);
    const one = await envelope(
      dir,
      'rewrap',
      'data/m0000.env',
      '-o',
      'one.env',
      '--config',
      'west.yaml',
      '--to',
      'north.yaml',
    );
    expect(one.code, one.stderr).to.equal(0);
    expect(one.stdout).to.match(/rewrapped data\/m0000\.env -> one\.env \(new data key, 1 master key\)/);
    const refused = await envelope(
      dir,
      'rewrap',
      'data',
      '-o',
      'x.env',
      '--config',
      'west.yaml',
      '--to',
      'north.yaml',
    );
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/--output takes one message/);
  });

  it('draws progress (messages, bytes, rate, ETA) when stderr is a terminal', async function () {
    if (!TERMINAL_SCRIPT) this.skip();
    const dir = await workspace();
    await messages(dir, 'data', 3);
    const tty = await onTerminal(dir, 'rewrap', 'data', '--config', 'east.yaml', '--to', 'west.yaml');
    expect(tty).to.match(
      /3\/3 messages \| [\d.]+ KiB\/[\d.]+ KiB \| [\d.]+ msg\/s, [\d.]+ [KM]?i?B\/s \| ETA/,
    );
    expect(tty).to.match(/3 rewrapped/);
  });

  it('keeps the journal after failures, retries only the failed next time, and refuses it to another run', async () => {
    const dir = await workspace();
    await messages(dir, 'data', 2);
    await writeFile(join(dir, 'data/notes.txt'), 'not a message');
    const first = await envelope(dir, 'rewrap', 'data', '--config', 'east.yaml', '--to', 'west.yaml');
    expect(first.code).to.equal(1);
    expect(first.stderr).to.match(/journal kept at .*\.envelope-rewrap\.journal/);
    const other = await envelope(dir, 'rewrap', 'data', '--config', 'east.yaml', '--to', 'north.yaml');
    expect(other.code).to.equal(2);
    expect(other.stderr).to.match(/belongs to another rewrap run.*delete the journal/);
    await writeFile(join(dir, 'data/notes.txt'), 'moved away');
    const again = await envelope(
      dir,
      'rewrap',
      'data',
      '--config',
      'east.yaml',
      '--to',
      'west.yaml',
      '--json',
    );
    const summary = JSON.parse(again.stdout);
    expect(summary).to.include({ resumed: 2, rotated: 0, failed: 1 });
  });
});
