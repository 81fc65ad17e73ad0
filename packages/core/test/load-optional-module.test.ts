import { expect } from 'chai';
import { ConfigError, isModuleNotFound, loadOptionalModule } from '../src/index.js';

const absent = '@envelope/not-a-package';
const missing = {
  packageName: absent,
  error: (cause: unknown) => new ConfigError(`install ${absent}`, { cause }),
};

describe('loadOptionalModule', () => {
  it('loads with require where the code runs as CommonJS (one instance shared with the caller)', async () => {
    const loaded = await loadOptionalModule({
      require: () => require('node:path'),
      import: () => import('node:path'),
    });
    expect(typeof require).to.equal('function');
    expect(loaded).to.equal(require('node:path'));
  });

  it('turns the package being absent into the caller’s typed error, with Node’s error as its cause', async () => {
    const error = await loadOptionalModule(
      { require: () => require(absent), import: () => import(absent) },
      missing,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.equal(`install ${absent}`);
    expect(isModuleNotFound((error as Error).cause, absent)).to.equal(true);
  });

  it('rethrows any other failure as it came (a missing dependency of the package is not the package missing)', async () => {
    const other = Object.assign(new Error("Cannot find module 'some-dependency'"), {
      code: 'MODULE_NOT_FOUND',
    });
    const thrown = () => {
      throw other;
    };
    const error = await loadOptionalModule({ require: thrown, import: async () => thrown() }, missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.equal(other);
  });
});
