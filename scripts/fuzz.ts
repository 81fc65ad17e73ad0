/**
 * `pnpm fuzz`: mutation fuzzing of messages into buffer decrypt, streaming decrypt and rewrap.
 *
 *   FUZZ_SECONDS=300 pnpm fuzz          run for five minutes (the figures in docs/reliability.md)
 *   FUZZ_ITERATIONS=2000 pnpm fuzz      run that many cases (default when neither is given: 2000)
 *   FUZZ_SEED=abc                       campaign seed (default: the start time); with FUZZ_CASE=<n>,
 *                                       rerun and print case n of that campaign alone
 *   FUZZ_TIMEOUT_MS=15000               per-target bound on one case; past it, a hang
 *   FUZZ_SAVE_CORPUS=1                  add each new (mutator, outcomes) input to test/fixtures/fuzz-corpus
 *   FUZZ_WRITE_SEEDS=1                  encrypt seed messages missing from test/fixtures/fuzz-corpus/seeds;
 *                                       =all re-encrypts every seed (then record the corpus again)
 *   FUZZ_REPORT=path.json               also write the report as JSON
 *
 * Exits non-zero when any untyped error, hang, or plaintext release finding was seen.
 */
import { writeFile } from 'node:fs/promises';
import { addToCorpus } from '../test/fuzz/corpus.js';
import { runCase, TARGETS } from '../test/fuzz/fuzz-case.js';
import { loadSeeds, writeSeedMessages } from '../test/fuzz/seeds.js';
import { type CampaignReport, runCampaign, SLOW_CASE_MS } from '../test/fuzz/supervisor.js';

const env = process.env;
const seed = env.FUZZ_SEED ?? String(Date.now());
const timeoutMs = Number(env.FUZZ_TIMEOUT_MS ?? 15_000);

if (env.FUZZ_WRITE_SEEDS) {
  const written = await writeSeedMessages(env.FUZZ_WRITE_SEEDS === 'all');
  console.log(`wrote seed message(s) ${written.join(', ') || '(none missing)'}`);
}

if (env.FUZZ_CASE !== undefined) {
  const { input, ...result } = await runCase(seed, Number(env.FUZZ_CASE), await loadSeeds(), timeoutMs);
  console.log(JSON.stringify(result, null, 2));
  console.log(`input (${input.length} bytes, base64): ${input.toString('base64')}`);
  process.exit(result.findings.length ? 1 : 0);
}

const seconds = env.FUZZ_SECONDS ? Number(env.FUZZ_SECONDS) : undefined;
const iterations = env.FUZZ_ITERATIONS ? Number(env.FUZZ_ITERATIONS) : seconds ? undefined : 2000;
console.log(`fuzz: seed ${seed}, ${iterations ?? 'unbounded'} cases, ${seconds ?? 'no'} time limit`);
let lastPrint = Date.now();
const report = await runCampaign({
  seed,
  iterations,
  seconds,
  timeoutMs,
  onProgress: (r) => {
    if (Date.now() - lastPrint < 10_000) return;
    lastPrint = Date.now();
    console.log(
      `  ${r.casesRun} cases, ${r.untypedErrors} untyped, ${r.hangs} hangs, ${r.findings.length} findings`,
    );
  },
});
print(report);
if (env.FUZZ_SAVE_CORPUS) {
  const written = await addToCorpus(
    [...report.interesting.values()].map(({ result, input }) => ({
      result,
      input: Buffer.from(input, 'base64'),
    })),
  );
  console.log(`corpus: added ${written.length} input(s)`);
}
if (env.FUZZ_REPORT) {
  const { interesting: _, ...json } = report;
  await writeFile(env.FUZZ_REPORT, `${JSON.stringify(json, null, 2)}\n`);
}
process.exit(report.untypedErrors + report.hangs + report.findings.length > 0 ? 1 : 0);

function print(r: CampaignReport): void {
  console.log(
    `\nseed ${r.seed}: ${r.casesRun} inputs, ${r.targetRuns} target runs in ${r.seconds.toFixed(1)} s`,
  );
  console.log(`untyped errors: ${r.untypedErrors}   hangs: ${r.hangs}   findings: ${r.findings.length}`);
  const s = r.slowest;
  console.log(
    `peak RSS (worker): ${r.peakRssMiB} MiB   slowest case: #${s.index} ${s.ms} ms (${s.inputLength} bytes, ${s.chunking} chunks)`,
  );
  console.log(`buffer/stream code mismatches: ${r.codeMismatches}`);
  const slow = Object.entries(r.slowByChunking).map(([kind, n]) => `${n} with ${kind} chunks`);
  console.log(`cases over ${SLOW_CASE_MS} ms: ${slow.join(', ') || 'none'}`);
  console.log(`known-defect outcomes (test/fuzz/known-defects.ts): ${r.knownDefects}`);
  const codes = [...new Set(TARGETS.flatMap((t) => Object.keys(r.outcomes[t])))].sort();
  console.log(`\n| outcome | ${TARGETS.join(' | ')} |\n|---|${TARGETS.map(() => '---:').join('|')}|`);
  for (const code of codes) {
    console.log(`| ${code} | ${TARGETS.map((t) => r.outcomes[t][code] ?? 0).join(' | ')} |`);
  }
  console.log('\ncases by first mutator:');
  console.log(
    Object.entries(r.mutators)
      .sort(([, a], [, b]) => b - a)
      .map(([name, n]) => `${name} ${n}`)
      .join(', '),
  );
  for (const f of r.findings.slice(0, 20)) {
    console.log(
      `\nFINDING case #${f.index} (${f.seedName}, ${f.mutations.join('+')}); rerun: FUZZ_SEED=${r.seed} FUZZ_CASE=${f.index} pnpm fuzz`,
    );
    for (const line of f.findings) console.log(`  ${line}`);
  }
}
