import { expect } from 'chai';
import { runLoad, SHORT } from '../bench/load.js';

describe('load harness (short setting; LOAD_LONG=1 pnpm load for the full one)', () => {
  it('serves mixed load with no unexpected errors, fast probes beside slow connections, bounded RSS', async function () {
    this.timeout(120_000);
    const report = await runLoad(SHORT);
    process.stderr.write(`load harness: ${JSON.stringify(report)}\n`);
    expect(report.unexpectedErrors, report.errorSamples.join('\n')).to.equal(0);
    expect(report.calls).to.be.greaterThan(100);
    expect(report.probeFailures).to.equal(0);
    expect(report.probeP99Ms).to.be.lessThan(1000);
    expect(report.slowOpenAtEnd).to.be.greaterThan(SHORT.slowConnections * 0.8);
    expect(report.rssMaxMb).to.be.lessThan(400);
  });
});
