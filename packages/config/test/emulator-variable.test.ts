import { emulatorUrlOf, resolveEmulatorTarget } from '@envelope/config';
import { expect } from 'chai';

/**
 * ENVELOPE_EMULATOR, one rule for the config switch and the CLI (`envelope keys` reads the URL with
 * the same `emulatorUrlOf`): a value → the server URL it names, or in-process, or off.
 */
const TABLE: readonly [
  value: string | undefined,
  url: string | undefined,
  target: 'server' | 'in-process' | 'off',
][] = [
  ['http://127.0.0.1:4599', 'http://127.0.0.1:4599', 'server'],
  ['https://kms.test:4599/', 'https://kms.test:4599/', 'server'],
  // URL schemes are case-insensitive (RFC 3986 §3.1): an upper-case scheme is still a server.
  ['HTTP://127.0.0.1:4599', 'HTTP://127.0.0.1:4599', 'server'],
  ['Https://kms.test', 'Https://kms.test', 'server'],
  ['1', undefined, 'in-process'],
  ['true', undefined, 'in-process'],
  ['127.0.0.1:4599', undefined, 'in-process'],
  ['ftp://kms.test', undefined, 'in-process'],
  ['0', undefined, 'off'],
  ['false', undefined, 'off'],
  ['', undefined, 'off'],
  [undefined, undefined, 'off'],
];

describe('ENVELOPE_EMULATOR: one rule for "is it a server URL"', () => {
  for (const [value, url, expected] of TABLE) {
    it(`${JSON.stringify(value) ?? 'unset'} → ${expected}${url ? ` at ${url}` : ''}`, async () => {
      expect(emulatorUrlOf(value)).to.equal(url);
      const target = await resolveEmulatorTarget(
        undefined,
        value === undefined ? {} : { ENVELOPE_EMULATOR: value },
      );
      const got = target === undefined ? 'off' : target.url === undefined ? 'in-process' : 'server';
      expect(got).to.equal(expected);
      if (expected === 'server') expect(target?.url).to.equal(url);
    });
  }
});
