import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every bare module a source file reaches through its relative imports (static and dynamic). */
function bareImports(file: string, seen = new Set<string>()): Set<string> {
  const bare = new Set<string>();
  if (seen.has(file)) return bare;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
    if (spec!.startsWith('.')) {
      for (const b of bareImports(join(dirname(file), spec!.replace(/\.js$/, '.ts')), seen)) bare.add(b);
    } else {
      bare.add(spec!);
    }
  }
  return bare;
}

describe('master key describers load no cloud SDK (envelope inspect stays light)', () => {
  for (const [pkg, entry] of [
    ['@envelope/aws-kms/describe', 'packages/aws-kms/src/describe.ts'],
    ['@envelope/gcp-kms/describe', 'packages/gcp-kms/src/describe.ts'],
    ['@envelope/azure-keyvault/describe', 'packages/azure-keyvault/src/describe.ts'],
    ['the CLI describer list', 'apps/cli/src/describe-master-key.ts'],
  ] as const) {
    it(`${pkg} imports only @envelope packages and node built-ins`, () => {
      const imports = [...bareImports(join(ROOT, entry))];
      expect(imports.length).to.be.greaterThan(0);
      for (const spec of imports) expect(spec, spec).to.match(/^(@envelope\/[a-z-]+(\/describe)?|node:.+)$/);
    });
  }

  it('and the subpaths resolve to the describers', async () => {
    const aws = await import('@envelope/aws-kms/describe');
    const gcp = await import('@envelope/gcp-kms/describe');
    const azure = await import('@envelope/azure-keyvault/describe');
    expect(aws.describeAwsKmsKey).to.be.a('function');
    expect(gcp.describeGcpKmsKey).to.be.a('function');
    expect(azure.describeAzureKeyVaultKey).to.be.a('function');
  });
});
