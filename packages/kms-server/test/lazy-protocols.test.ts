import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs a server in a fresh process and reports which protocol libraries it loaded (CommonJS module
 * cache: grpc-js, protobufjs and the Cloud KMS definitions file are CommonJS).
 */
function loadedBy(options: string): { grpc: boolean; protobuf: boolean; protos: boolean } {
  const script = `
    import { createRequire } from 'node:module';
    import { randomBytes } from 'node:crypto';
    const { createKmsServer } = await import('@envelope/kms-server');
    const server = await createKmsServer({ inMemory: true, port: 0, rootKey: randomBytes(32), ...${options} });
    await server.close();
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    const has = (part) => loaded.some((file) => file.includes(part));
    process.stdout.write(JSON.stringify({
      grpc: has('@grpc/grpc-js'), protobuf: has('protobufjs'), protos: has('protos.json'),
    }));
  `;
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@envelope/source', '--input-type=module', '-e', script],
    { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return JSON.parse(out);
}

describe('protocol loading (start-up cost)', () => {
  it('loads no GCP or Azure protocol code for the AWS endpoint alone', () => {
    expect(loadedBy('{}')).to.deep.equal({ grpc: false, protobuf: false, protos: false });
  });

  it('loads the gRPC protocol and its definitions once the GCP gRPC port is enabled', () => {
    const loaded = loadedBy('{ gcp: { grpcPort: 0 } }');
    expect(loaded.grpc).to.equal(true);
    expect(loaded.protos).to.equal(true);
  });
});
