/**
 * `BENCH_ONLY=clouds`: Encrypt + Decrypt of a 32-byte data key through each cloud's official client
 * against one `createKmsServer` (in memory) in the same run: `@aws-sdk/client-kms` over AWS JSON 1.1,
 * `@google-cloud/kms` over gRPC and over REST. Ratios are against the AWS path measured beside them.
 */
import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { gcpClientOptions } from '@envelope/gcp-kms';
import { createKmsServer } from '@envelope/kms-server';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { table } from './measure.js';

const ROUNDS = Number(process.env.BENCH_CLOUDS_ROUNDS ?? 400);
const CONCURRENCY = 8;
const RUNS = 5;

async function opsPerSecond(
  call: () => Promise<void>,
): Promise<{ min: number; median: number; max: number }> {
  for (let i = 0; i < 20; i++) await call(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < ROUNDS) await call();
      }),
    );
    rates.push((ROUNDS / (performance.now() - start)) * 1000);
  }
  rates.sort((a, b) => a - b);
  return { min: rates[0]!, median: rates[Math.floor(rates.length / 2)]!, max: rates.at(-1)! };
}

export async function cloudsBench(): Promise<string> {
  const server = await createKmsServer({ inMemory: true, port: 0, gcp: { restPort: 0, grpcPort: 0 } });
  const dataKey = randomBytes(32);
  try {
    const aws = new KMSClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
      maxAttempts: 1,
    });
    const arn = (await aws.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const awsRound = async () => {
      const { CiphertextBlob } = await aws.send(new EncryptCommand({ KeyId: arn, Plaintext: dataKey }));
      await aws.send(new DecryptCommand({ KeyId: arn, CiphertextBlob }));
    };

    const gcpClient = (endpoint: string, transport: 'grpc' | 'rest') =>
      new KeyManagementServiceClient(gcpClientOptions({ endpoint, transport }));
    const grpc = gcpClient(server.endpoints['gcp-grpc']!.url, 'grpc');
    const rest = gcpClient(new URL(server.endpoints['gcp-rest']!.url).host, 'rest');
    const location = 'projects/bench/locations/global';
    await grpc.createKeyRing({ parent: location, keyRingId: 'bench', keyRing: {} });
    const [key] = await grpc.createCryptoKey({
      parent: `${location}/keyRings/bench`,
      cryptoKeyId: 'data',
      cryptoKey: { purpose: 'ENCRYPT_DECRYPT' },
    });
    const options = { retry: null, timeout: 10_000 };
    const gcpRound = (client: KeyManagementServiceClient) => async () => {
      const [encrypted] = await client.encrypt({ name: key.name!, plaintext: dataKey }, options);
      await client.decrypt({ name: key.name!, ciphertext: encrypted.ciphertext! }, options);
    };

    const results: [string, { min: number; median: number; max: number }][] = [
      ['AWS KMS JSON 1.1 (@aws-sdk/client-kms)', await opsPerSecond(awsRound)],
      ['Cloud KMS gRPC (@google-cloud/kms)', await opsPerSecond(gcpRound(grpc))],
      ['Cloud KMS REST (@google-cloud/kms, fallback rest)', await opsPerSecond(gcpRound(rest))],
    ];
    await Promise.all([grpc.close(), rest.close()]);
    aws.destroy();
    const base = results[0]![1].median;
    return table(
      ['path', 'min rounds/s', 'median rounds/s', 'max rounds/s', 'vs AWS path'],
      results.map(([name, r]) => [name, r.min, r.median, r.max, `${(r.median / base).toFixed(2)}×`]),
    );
  } finally {
    await server.close();
  }
}
