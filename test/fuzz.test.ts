import { BodyFormatError } from '@envelope/core';
import { expect } from 'chai';
import { acceptedCodes, readCorpus } from './fuzz/corpus.js';
import { SeededRandom } from './fuzz/random.js';
import { loadSeeds, type Seed } from './fuzz/seeds.js';
import { runCampaign } from './fuzz/supervisor.js';
import {
  type Chunking,
  chunk,
  classify,
  fuzzBuffer,
  fuzzRewrap,
  fuzzStream,
  type ReleaseMode,
  releaseFinding,
} from './fuzz/targets.js';

// Generous: a hang never ends, and a shared CI machine may run a slow-but-finite case slowly.
const TIMEOUT_MS = 15_000;
/** CI's short setting; `pnpm fuzz` runs the long one (docs/reliability.md). */
const CI_ITERATIONS = Number(process.env.FUZZ_CI_ITERATIONS ?? 250);

describe('message fuzzing (pnpm fuzz)', function () {
  this.timeout(180_000);
  let seeds: Seed[];
  before(async () => (seeds = await loadSeeds()));

  describe('oracles', () => {
    it('call a non-Envelope error untyped', () => {
      expect(classify(new TypeError('x'))).to.equal('untyped:TypeError');
      expect(classify(new RangeError('x'))).to.equal('untyped:RangeError');
      expect(classify('a string')).to.equal('untyped:string');
      expect(classify(new BodyFormatError('x'))).to.equal('ENVELOPE_BODY_INVALID');
    });

    it('allow a damaged message to release only its intact frames before the damage', () => {
      const seed = seeds.find((s) => s.name === 'v2-0478-framed')!;
      const [first, second, third] = seed.layout.frames;
      const damaged = Buffer.from(seed.bytes);
      damaged[third!.start + 20]! ^= 1;
      const upTo = (frame: typeof first) => seed.plaintext.subarray(0, frame!.plainEnd);
      expect(releaseFinding(damaged, upTo(second), false, seeds, 'per-frame')).to.equal(undefined);
      expect(releaseFinding(damaged, upTo(third), false, seeds, 'per-frame')).to.match(/allowed ends/);
      expect(releaseFinding(damaged, upTo(first), false, seeds, 'after-message')).to.match(/allowed ends/);
      expect(releaseFinding(damaged, Buffer.alloc(first!.plainEnd), false, seeds, 'per-frame')).to.match(
        /differ/,
      );
      expect(releaseFinding(damaged, seed.plaintext, true, seeds, 'per-frame')).to.match(
        /not byte-identical/,
      );
    });

    it("hold back a signed message's final frame until the signature verifies", () => {
      const seed = seeds.find((s) => s.name === 'v2-0578-signed')!;
      const footerDamaged = Buffer.from(seed.bytes);
      footerDamaged[seed.layout.footer!.end - 1]! ^= 1;
      const final = seed.layout.frames.at(-1)!;
      expect(releaseFinding(footerDamaged, seed.plaintext, false, seeds, 'per-frame')).to.match(
        /allowed ends/,
      );
      const beforeFinal = seed.plaintext.subarray(0, final.plainStart);
      expect(releaseFinding(footerDamaged, beforeFinal, false, seeds, 'per-frame')).to.equal(undefined);
    });
  });

  describe('corpus replay (test/fixtures/fuzz-corpus)', () => {
    it('gives each stored input its expected outcome, buffered, streamed in any chunking, and rewrapped', async () => {
      const corpus = await readCorpus();
      expect(corpus.length).to.be.greaterThan(20);
      const chunkings: Chunking[] = ['whole', 'bytes', 'fixed', 'random', 'with-empty'];
      const options = { timeoutMs: TIMEOUT_MS, seeds };
      const failures: string[] = [];
      for (const { file, entry, input } of corpus) {
        const buffer = await fuzzBuffer(input, options);
        if (!acceptedCodes(entry, entry.buffer).includes(buffer.outcome) || buffer.finding) {
          failures.push(
            `${file}: buffer ${buffer.outcome}, expected ${entry.buffer} ${buffer.finding ?? ''}`,
          );
        }
        const rng = new SeededRandom(`replay:${file}`);
        // One-byte chunks of the large-frame seed take a second per run; its other chunkings suffice.
        for (const kind of chunkings.filter((k) => k !== 'bytes' || input.length <= 4096)) {
          for (const mode of ['per-frame', 'after-message'] as ReleaseMode[]) {
            const stream = await fuzzStream(input, chunk(rng, input, kind), mode, options);
            if (!acceptedCodes(entry, entry.stream).includes(stream.outcome) || stream.finding) {
              failures.push(
                `${file}: stream (${kind}, ${mode}) ${stream.outcome}, expected ${entry.stream} ${stream.finding ?? ''}`,
              );
            }
          }
        }
        // Rewrap's checks are being reordered; the contract here is only: typed, and ok exactly when decrypt is.
        const rewrap = await fuzzRewrap(input, chunk(rng, input, 'random'), options);
        const typed = rewrap.outcome.startsWith('ENVELOPE_') || rewrap.outcome === 'ok';
        if (!typed || (rewrap.outcome === 'ok') !== (buffer.outcome === 'ok') || rewrap.finding) {
          failures.push(
            `${file}: rewrap ${rewrap.outcome} ${rewrap.finding ?? ''} (decrypt ${buffer.outcome})`,
          );
        }
      }
      expect(failures).to.deep.equal([]);
    });
  });

  describe('campaign', () => {
    it(`runs ${CI_ITERATIONS} mutated messages with no untyped error, hang or released plaintext`, async () => {
      const report = await runCampaign({ seed: 'ci', iterations: CI_ITERATIONS, timeoutMs: TIMEOUT_MS });
      expect(report.findings).to.deep.equal([]);
      expect(report.untypedErrors).to.equal(0);
      expect(report.hangs).to.equal(0);
      expect(report.casesRun).to.equal(CI_ITERATIONS);
      // The mutators reach past the header: body and authentication failures both occur.
      expect(report.outcomes.stream).to.include.keys(
        'ENVELOPE_BODY_INVALID',
        'ENVELOPE_DECRYPTION_FAILED',
        'ok',
      );
    });

    it('records a case that never returns as a hang, kills its worker and goes on with the next case', async () => {
      const report = await runCampaign({
        seed: 'ci',
        iterations: 4,
        timeoutMs: 500,
        spinAt: 1,
        watchdogMs: 1500,
      });
      expect(report.hangs).to.equal(1);
      expect(report.findings.map((f) => f.index)).to.deep.equal([1]);
      expect(report.casesRun).to.equal(3);
    });
  });
});
