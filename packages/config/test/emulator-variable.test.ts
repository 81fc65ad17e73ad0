import { emulatorUrlOf, resolveEmulatorTarget } from '@envelope/config';
import { ConfigError } from '@envelope/core';
import { expect } from 'chai';

type Switch = 'server' | 'in-process' | 'off' | 'refused';

/**
 * ENVELOPE_EMULATOR, one rule for the config switch and the CLI (`envelope keys` reads the URL with
 * the same `emulatorUrlOf`): a value → the server URL it names, or in-process, or off, or refused.
 */
const TABLE: readonly [value: string | undefined, url: string | undefined, target: Switch][] = [
  ['http://127.0.0.1:4599', 'http://127.0.0.1:4599', 'server'],
  ['https://kms.test:4599/', 'https://kms.test:4599/', 'server'],
  // URL schemes are case-insensitive (RFC 3986 §3.1): an upper-case scheme is still a server.
  ['HTTP://127.0.0.1:4599', 'HTTP://127.0.0.1:4599', 'server'],
  ['Https://kms.test', 'Https://kms.test', 'server'],
  ['1', undefined, 'in-process'],
  ['true', undefined, 'in-process'],
  ['TRUE', undefined, 'in-process'],
  ['yes', undefined, 'in-process'],
  ['on', undefined, 'in-process'],
  ['0', undefined, 'off'],
  ['false', undefined, 'off'],
  // The words `envelope kms serve` reads as off are off here too, never the in-process emulator.
  ['FALSE', undefined, 'off'],
  ['no', undefined, 'off'],
  ['off', undefined, 'off'],
  ['', undefined, 'off'],
  [undefined, undefined, 'off'],
  // Neither a URL nor a switch word: refused, not guessed.
  ['127.0.0.1:4599', undefined, 'refused'],
  ['ftp://kms.test', undefined, 'refused'],
  ['maybe', undefined, 'refused'],
];

async function switchOf(value: string | undefined): Promise<{ got: Switch; url?: string; error?: Error }> {
  try {
    const target = await resolveEmulatorTarget(
      undefined,
      value === undefined ? {} : { ENVELOPE_EMULATOR: value },
    );
    if (target === undefined) return { got: 'off' };
    return target.url === undefined ? { got: 'in-process' } : { got: 'server', url: target.url };
  } catch (error) {
    return { got: 'refused', error: error as Error };
  }
}

describe('ENVELOPE_EMULATOR: one rule for the variable', () => {
  for (const [value, url, expected] of TABLE) {
    it(`${JSON.stringify(value) ?? 'unset'} → ${expected}${url ? ` at ${url}` : ''}`, async () => {
      expect(emulatorUrlOf(value)).to.equal(url);
      const { got, url: at, error } = await switchOf(value);
      expect(got, error?.message).to.equal(expected);
      if (expected === 'server') expect(at).to.equal(url);
      if (expected === 'refused') {
        expect(error).to.be.instanceOf(ConfigError);
        expect(error?.message).to.equal(
          `ENVELOPE_EMULATOR is ${JSON.stringify(value)}; set it to an http(s):// URL (a running envelope kms serve), 1/true (the in-process emulator), or 0/false or nothing (off).`,
        );
      }
    });
  }
});
