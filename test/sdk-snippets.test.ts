import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * docs/kms-server.md, "Pointing the official SDKs at it", run as written: the test reads every
 * `<!-- snippet: name -->` block out of the doc, starts the documented `envelope kms serve` line (the
 * CLI from source, every port 0), then runs each client block against it. The only edits are the
 * example ports (4599-4602) and `./kms-data`, replaced by the running server's; each block must
 * print the `hi` it encrypted and decrypted.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs/kms-server.md');
const PYTHON = '/usr/bin/python3';

interface Snippet {
  readonly lang: string;
  readonly code: string;
}

function readSnippets(): Map<string, Snippet> {
  const doc = readFileSync(DOC, 'utf8');
  const found = new Map<string, Snippet>();
  for (const [, name, lang, code] of doc.matchAll(/<!-- snippet: (\S+) -->\n```(\w+)\n([\s\S]*?)\n```/g)) {
    expect(found.has(name!), `snippet ${name} appears twice in ${DOC}`).to.equal(false);
    found.set(name!, { lang: lang!, code: code! });
  }
  return found;
}

/** The ports the doc uses, by the server endpoint that replaces each. */
const DOC_PORTS = { 4599: 'aws-json', 4600: 'gcp-rest', 4601: 'gcp-grpc', 4602: 'azure-https' } as const;

interface ServerAddresses {
  readonly ports: Record<string, number>;
  readonly caPath: string;
}

/**
 * The doc's `serve` line with `envelope` = the CLI from source and every port 0. The child is
 * returned at once, so it is stopped even when it never gets ready.
 */
function startDocumentedServer(
  line: string,
  dir: string,
): { child: ChildProcess; ready: Promise<ServerAddresses> } {
  const words = line.replace(/\\\n/g, ' ').trim().split(/\s+/);
  expect(words[0]).to.equal('envelope');
  const args = words
    .slice(1)
    .map((word) => (word in DOC_PORTS ? '0' : word.replace(/^\.\/kms-data$/, join(dir, 'kms-data'))));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@envelope/source', join(ROOT, 'apps/cli/src/main.ts'), ...args],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const ready = new Promise<ServerAddresses>((resolvePromise, reject) => {
    const lines: string[] = [];
    child.once('exit', (code) => reject(new Error(`kms serve exited ${code}:\n${lines.join('\n')}`)));
    createInterface({ input: child.stderr! }).on('line', (text) => {
      lines.push(text);
      let entry: { msg?: string; endpoints?: Record<string, { port: number }>; azureCaPath?: string };
      try {
        entry = JSON.parse(text);
      } catch {
        return;
      }
      if (entry.msg !== 'kms server ready') return;
      const ports = Object.fromEntries(Object.entries(entry.endpoints ?? {}).map(([k, v]) => [k, v.port]));
      resolvePromise({ ports, caPath: entry.azureCaPath ?? '' });
    });
  });
  return { child, ready };
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.removeAllListeners('exit');
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

function run(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    execFile(file, args, { ...options, timeout: 90_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} failed: ${error.message}\n${stdout}\n${stderr}`));
      else done({ stdout, stderr });
    });
  });
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, command)));
}

/** This process's environment without anything that would point a client elsewhere. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AWS_|CLOUDSDK_|GOOGLE_|AZURE_|NODE_EXTRA_CA_CERTS$|NODE_OPTIONS$)|_proxy$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

describe('docs/kms-server.md: each official SDK pointed at `envelope kms serve`, as documented', function () {
  this.timeout(180_000);
  const snippets = readSnippets();
  let dir: string;
  let served: ReturnType<typeof startDocumentedServer> | undefined;
  let server: ServerAddresses;

  /** The snippet's text with the doc's example ports and data dir replaced by this server's. */
  function localize(name: string): string {
    const snippet = snippets.get(name);
    expect(snippet, `snippet ${name} in ${DOC}`).to.not.equal(undefined);
    let code = snippet!.code.replaceAll('./kms-data', join(dir, 'kms-data'));
    for (const [port, endpoint] of Object.entries(DOC_PORTS)) {
      code = code.replace(new RegExp(`\\b${port}\\b`, 'g'), String(server.ports[endpoint]));
    }
    return code;
  }

  /**
   * Runs a Node snippet as an ES module from a package whose dependencies include what it imports
   * (pnpm links only declared dependencies); tsx for the workspace packages' TypeScript sources.
   */
  function runNode(name: string, packageDir: string, env: NodeJS.ProcessEnv = {}) {
    const code = localize(name);
    return run(
      process.execPath,
      ['--import', 'tsx', '--conditions=@envelope/source', '--input-type=module', '-e', code],
      { cwd: join(ROOT, packageDir), env: cleanEnv(env) },
    );
  }

  /** Runs a shell snippet with bash (errexit, pipefail) in a scratch directory. */
  function runShell(name: string, env: NodeJS.ProcessEnv = {}) {
    const work = mkdtempSync(join(dir, `${name}-`));
    return run('bash', ['-euo', 'pipefail', '-c', localize(name)], { cwd: work, env: cleanEnv(env) });
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'envelope-sdk-snippets-'));
    served = startDocumentedServer(snippets.get('serve')?.code ?? 'missing serve snippet', dir);
    server = await served.ready;
    expect(Object.keys(server.ports)).to.include.members(Object.values(DOC_PORTS));
  });
  after(async () => {
    if (served) await stopServer(served.child);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has exactly the snippets this test runs (a new one needs its runner here)', () => {
    expect([...snippets.keys()].sort()).to.deep.equal(
      [
        'aws-cli',
        'aws-sdk',
        'azure-ca',
        'azure-python',
        'azure-sdk',
        'gcloud',
        'gcp-grpc',
        'gcp-rest',
        'serve',
      ].sort(),
    );
  });

  it('@aws-sdk/client-kms: endpoint and credentials', async () => {
    const { stdout } = await runNode('aws-sdk', 'packages/aws-kms');
    expect(stdout.trim()).to.equal('hi');
  });

  it('the aws CLI: AWS_ENDPOINT_URL_KMS and any credentials', async function () {
    if (!onPath('aws')) {
      console.log('    skipped: the aws CLI is not on PATH');
      this.skip();
    }
    const { stdout } = await runShell('aws-cli', {
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    });
    expect(stdout.trim()).to.equal('hi');
  });

  it('@google-cloud/kms over gRPC: apiEndpoint, port, insecure sslCreds, universeDomain', async () => {
    const { stdout } = await runNode('gcp-grpc', 'packages/kms-protocols');
    expect(stdout.trim()).to.equal('hi');
  });

  it("@google-cloud/kms over REST: fallback 'rest', protocol 'http', no credentials", async () => {
    const { stdout } = await runNode('gcp-rest', 'packages/kms-protocols');
    expect(stdout.trim()).to.equal('hi');
  });

  it('gcloud: CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS and credentials off', async function () {
    if (!onPath('gcloud')) {
      console.log('    skipped: gcloud is not on PATH');
      this.skip();
    }
    const config = mkdtempSync(join(dir, 'gcloud-config-'));
    const { stdout } = await runShell('gcloud', {
      CLOUDSDK_CONFIG: config,
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    });
    expect(stdout.trim()).to.equal('hi');
  });

  it('@azure/keyvault-keys: vault URL, credential, proxy, CA in NODE_EXTRA_CA_CERTS, challenge verification on', async () => {
    // The azure-ca line is how the program is started: the CA variable it sets is the one given here.
    const start = /^NODE_EXTRA_CA_CERTS=(\S+) node app\.mjs\b/.exec(localize('azure-ca'));
    expect(start, 'azure-ca snippet: NODE_EXTRA_CA_CERTS=<ca.pem> node app.mjs').to.not.equal(null);
    expect(start![1]).to.equal(server.caPath);
    const { stdout } = await runNode('azure-sdk', 'packages/azure-keyvault', {
      NODE_EXTRA_CA_CERTS: start![1],
    });
    expect(stdout.trim()).to.equal('hi');
  });

  it('azure-keyvault-keys for Python: proxies and connection_verify', async function () {
    const probe = await run(PYTHON, ['-c', 'import azure.keyvault.keys'], {
      cwd: dir,
      env: cleanEnv(),
    }).catch((error: Error) => error);
    if (probe instanceof Error) {
      console.log(
        `    skipped: ${PYTHON} -c 'import azure.keyvault.keys' fails (python3-azure is not installed)`,
      );
      this.skip();
    }
    const { stdout } = await run(PYTHON, ['-c', localize('azure-python')], { cwd: dir, env: cleanEnv() });
    expect(stdout.trim()).to.equal('hi');
  });
});
