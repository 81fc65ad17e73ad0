import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { PARALLEL_FROM_BYTES } from '../src/io/parallel-choice.js';
import { envelope } from './support/run-envelope.js';

/** The JSON summary of a run that must succeed. */
async function run(cwd: string, ...args: string[]): Promise<{ threads: number }> {
  const result = await envelope(cwd, ...args, '--json', '-f');
  expect(result.code, result.stderr).to.equal(0);
  return JSON.parse(result.stdout);
}

describe('the parallel mode of encrypt, decrypt and rewrap (built binary and its frame worker)', () => {
  let dir: string;
  const cpus = availableParallelism();
  const large = randomBytes(8 * 1024 * 1024 + 100_001);
  const small = randomBytes(8 * 1024 * 1024 - 1);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-parallel-'));
    for (const name of ['east', 'west']) await writeFile(join(dir, `${name}.key`), randomBytes(32));
    const ring = (name: string) =>
      `{ type: raw-aes, keyNamespace: dr, keyName: ${name}, key: { file: ${name}.key } }`;
    await writeFile(join(dir, 'east.yaml'), `keyring: ${ring('east')}\n`);
    await writeFile(join(dir, 'west.yaml'), `keyring: ${ring('west')}\n`);
    await writeFile(join(dir, 'large.bin'), large);
    await writeFile(join(dir, 'small.bin'), small);
  });

  it('auto, the default, uses one thread below 512 MiB and for rewrap', async () => {
    const rewrap = (...threads: string[]) =>
      run(
        dir,
        'rewrap',
        'large.enc',
        '--config',
        'east.yaml',
        '--to',
        'west.yaml',
        '-o',
        'large.rw',
        ...threads,
      );
    for (const auto of [[], ['--threads', 'auto']]) {
      const enc = await run(dir, 'encrypt', 'large.bin', '--config', 'east.yaml', '-o', 'large.enc', ...auto);
      expect(enc.threads, `encrypt ${auto}`).to.equal(0);
      const dec = await run(dir, 'decrypt', 'large.enc', '--config', 'east.yaml', '-o', 'large.out', ...auto);
      expect(dec.threads, `decrypt ${auto}`).to.equal(0);
      expect((await readFile(join(dir, 'large.out'))).equals(large)).to.equal(true);
      expect((await rewrap(...auto)).threads, `rewrap ${auto}`).to.equal(0);
    }
    expect((await rewrap('--threads', '2')).threads).to.equal(2);
    await run(dir, 'decrypt', 'large.rw', '--config', 'west.yaml', '-o', 'large.rw.out', '--no-parallel');
    expect((await readFile(join(dir, 'large.rw.out'))).equals(large)).to.equal(true);
  });

  it('auto, the default, uses one thread per CPU for an unsigned file → file message of 512 MiB, one thread for a signed one', async () => {
    await writeFile(
      join(dir, 'unsigned-auto.yaml'),
      'suite: 0x0478\nkeyring: { type: raw-aes, keyNamespace: dr, keyName: east, key: { file: east.key } }\n',
    );
    const expected = cpus > 1 ? cpus : 0;
    const huge = await open(join(dir, 'huge.bin'), 'w');
    await huge.truncate(PARALLEL_FROM_BYTES); // sparse: reads as zeros, takes no space
    await huge.close();
    try {
      const config = ['--config', 'unsigned-auto.yaml'];
      expect((await run(dir, 'encrypt', 'huge.bin', ...config, '-o', 'huge.enc')).threads).to.equal(expected);
      expect((await run(dir, 'decrypt', 'huge.enc', ...config, '-o', 'huge.out')).threads).to.equal(expected);
      expect((await stat(join(dir, 'huge.out'))).size).to.equal(PARALLEL_FROM_BYTES);
      // east.yaml: the default suite, 0x0578 (signed): its frames would go through the stream pool
      expect(
        (await run(dir, 'encrypt', 'huge.bin', '--config', 'east.yaml', '-o', 'huge.sig')).threads,
      ).to.equal(0);
      expect(
        (await run(dir, 'decrypt', 'huge.sig', '--config', 'east.yaml', '-o', 'huge.out')).threads,
      ).to.equal(0);
    } finally {
      for (const name of ['huge.bin', 'huge.enc', 'huge.sig', 'huge.out'])
        await rm(join(dir, name), { force: true });
    }
  });

  it('takes --threads, ENVELOPE_THREADS and --no-parallel, whatever the size', async () => {
    expect(
      (await run(dir, 'encrypt', 'small.bin', '--config', 'east.yaml', '-o', 's.enc', '--threads', '3'))
        .threads,
    ).to.equal(3);
    expect(
      (await run(dir, 'decrypt', 's.enc', '--config', 'east.yaml', '-o', 's.out', '--threads', '0')).threads,
    ).to.equal(0);
    expect((await readFile(join(dir, 's.out'))).equals(small)).to.equal(true);
    expect(
      (
        await run(
          dir,
          'decrypt',
          'large.enc',
          '--config',
          'east.yaml',
          '-o',
          'l.out',
          '--threads',
          '2',
          '--no-parallel',
        )
      ).threads,
    ).to.equal(0);
    process.env.ENVELOPE_THREADS = '2';
    try {
      expect((await run(dir, 'decrypt', 's.enc', '--config', 'east.yaml', '-o', 's.out')).threads).to.equal(
        2,
      );
    } finally {
      delete process.env.ENVELOPE_THREADS;
    }
    expect((await readFile(join(dir, 's.out'))).equals(small)).to.equal(true);
  });

  it('0x0478 file → file runs the file mode: round trip, and a damaged message leaves no output', async () => {
    await writeFile(
      join(dir, 'unsigned.yaml'),
      'suite: 0x0478\nkeyring: { type: raw-aes, keyNamespace: dr, keyName: east, key: { file: east.key } }\n',
    );
    const threads = ['--threads', '2'];
    await run(dir, 'encrypt', 'large.bin', '--config', 'unsigned.yaml', '-o', 'u.enc', ...threads);
    await run(dir, 'decrypt', 'u.enc', '--config', 'unsigned.yaml', '-o', 'u.out', ...threads);
    expect((await readFile(join(dir, 'u.out'))).equals(large)).to.equal(true);
    // and the one-thread path reads what the file mode wrote
    await run(dir, 'decrypt', 'u.enc', '--config', 'unsigned.yaml', '-o', 'u1.out', '--no-parallel');
    expect((await readFile(join(dir, 'u1.out'))).equals(large)).to.equal(true);

    const message = await readFile(join(dir, 'u.enc'));
    const flipped = Buffer.from(message);
    flipped[Math.floor(message.length / 2)]! ^= 1;
    for (const [name, bytes] of [
      ['flipped.enc', flipped],
      ['truncated.enc', message.subarray(0, -5)],
      ['extended.enc', Buffer.concat([message, Buffer.alloc(7)])],
    ] as const) {
      await writeFile(join(dir, name), bytes);
      const result = await envelope(
        dir,
        'decrypt',
        name,
        '--config',
        'unsigned.yaml',
        '-o',
        'bad.out',
        ...threads,
      );
      expect(result.code, `${name}: ${result.stderr}`).to.not.equal(0);
      // Only the file mode reads a frame's place off the file's length (the stream reads frames in turn).
      if (name !== 'flipped.enc') expect(result.stderr, name).to.match(/the file's length/);
      expect(
        (await readdir(dir)).filter((f) => f.startsWith('bad.out') || f.startsWith('.bad.out')),
        `${name}: no output left`,
      ).to.deep.equal([]);
    }
  });

  it('one thread, 0x0478 file → file runs the file mode inline: round trip, and a tampered message leaves no output', async () => {
    await writeFile(
      join(dir, 'unsigned1.yaml'),
      'suite: 0x0478\nkeyring: { type: raw-aes, keyNamespace: dr, keyName: east, key: { file: east.key } }\n',
    );
    const one = ['--threads', '0'];
    expect(
      (await run(dir, 'encrypt', 'small.bin', '--config', 'unsigned1.yaml', '-o', 'i.enc', ...one)).threads,
    ).to.equal(0);
    expect(
      (await run(dir, 'decrypt', 'i.enc', '--config', 'unsigned1.yaml', '-o', 'i.out', ...one)).threads,
    ).to.equal(0);
    expect((await readFile(join(dir, 'i.out'))).equals(small)).to.equal(true);

    const message = await readFile(join(dir, 'i.enc'));
    const flipped = Buffer.from(message);
    flipped[message.length - 1000]! ^= 1;
    for (const [name, bytes] of [
      ['i-flipped.enc', flipped],
      ['i-truncated.enc', message.subarray(0, -5)],
    ] as const) {
      await writeFile(join(dir, name), bytes);
      const result = await envelope(
        dir,
        'decrypt',
        name,
        '--config',
        'unsigned1.yaml',
        '-o',
        'ibad.out',
        ...one,
      );
      expect(result.code, `${name}: ${result.stderr}`).to.not.equal(0);
      // the file mode's refusal (a stream reads frames in turn and says otherwise)
      if (name === 'i-truncated.enc') expect(result.stderr, name).to.match(/the file's length/);
      expect(
        (await readdir(dir)).filter((f) => f.startsWith('ibad.out') || f.startsWith('.ibad.out')),
        `${name}: no output left`,
      ).to.deep.equal([]);
    }
  });

  it('refuses a bad --threads with a usage error', async () => {
    for (const bad of ['-1', 'many', '1.5', '999']) {
      const result = await envelope(
        dir,
        'encrypt',
        'small.bin',
        '--config',
        'east.yaml',
        '-o',
        'x.enc',
        '--threads',
        bad,
      );
      expect(result.code, bad).to.equal(2);
      expect(result.stderr).to.match(/--threads must be auto or a whole number from 0 to 256/);
    }
  });
});
