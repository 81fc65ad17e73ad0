import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { FAST, type GcpHarness, gcpHarness, TRANSPORTS } from './gcp-harness.js';

const LOCATION = 'projects/p1/locations/europe-west1';
const RING = `${LOCATION}/keyRings/ring`;
const KEY = `${RING}/cryptoKeys/key`;

for (const transport of TRANSPORTS) {
  describe(`Cloud KMS over ${transport}: secrets in a response`, function () {
    this.timeout(30_000);
    let h: GcpHarness;
    let outputs: Record<string, unknown>[];

    beforeEach(async () => {
      h = await gcpHarness(transport);
      await h.client.createKeyRing({ parent: LOCATION, keyRingId: 'ring' }, FAST);
      await h.client.createCryptoKey(
        { parent: RING, cryptoKeyId: 'key', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } },
        FAST,
      );
      outputs = [];
      const invoke = h.service.invoke.bind(h.service);
      h.service.invoke = async (...args) => {
        const output = await invoke(...args);
        outputs.push(output as Record<string, unknown>);
        return output;
      };
    });
    afterEach(() => h.close());

    it('zero-fills the decrypted plaintext once it is encoded into the response', async () => {
      const dataKey = randomBytes(32);
      const [encrypted] = await h.client.encrypt({ name: KEY, plaintext: dataKey }, FAST);
      const [decrypted] = await h.client.decrypt({ name: KEY, ciphertext: encrypted.ciphertext }, FAST);
      expect(Buffer.from(decrypted.plaintext as Uint8Array).equals(dataKey), 'answered plaintext').to.equal(
        true,
      );
      const held = outputs.at(-1)!.plaintext as Uint8Array;
      expect(held).to.have.length(32);
      expect(Buffer.from(held).equals(Buffer.alloc(32)), 'service plaintext wiped').to.equal(true);
    });

    it('zero-fills the plaintext an encrypt request carries once the call is answered', async () => {
      const requests: Record<string, unknown>[] = [];
      const invoke = h.service.invoke.bind(h.service);
      h.service.invoke = (method, request, ...rest) => {
        requests.push(request as Record<string, unknown>);
        return invoke(method, request, ...rest);
      };
      const dataKey = randomBytes(32);
      const [encrypted] = await h.client.encrypt({ name: KEY, plaintext: dataKey }, FAST);
      const held = requests.at(-1)!.plaintext as Uint8Array;
      expect(held).to.have.length(32);
      expect(Buffer.from(held).equals(Buffer.alloc(32)), 'request plaintext wiped').to.equal(true);
      // Wiped after use, not before: the ciphertext decrypts to the key sent.
      const [decrypted] = await h.client.decrypt({ name: KEY, ciphertext: encrypted.ciphertext }, FAST);
      expect(Buffer.from(decrypted.plaintext as Uint8Array).equals(dataKey)).to.equal(true);
    });

    it('zero-fills the random bytes once they are encoded into the response', async () => {
      const [random] = await h.client.generateRandomBytes(
        { location: LOCATION, lengthBytes: 32, protectionLevel: 'HSM' },
        FAST,
      );
      const answered = Buffer.from(random.data as Uint8Array);
      expect(answered).to.have.length(32);
      expect(answered.equals(Buffer.alloc(32))).to.equal(false);
      const held = outputs.at(-1)!.data as Uint8Array;
      expect(Buffer.from(held).equals(Buffer.alloc(32)), 'service bytes wiped').to.equal(true);
    });

    if (transport === 'grpc') {
      it('zero-fills the plaintext of a response the client stopped waiting for (never serialized)', async () => {
        const dataKey = randomBytes(32);
        const [encrypted] = await h.client.encrypt({ name: KEY, plaintext: dataKey }, FAST);
        // A latency fault: the service answers after 150 ms, the client gives up after 30 ms, so
        // grpc-js finds the call cancelled and never runs the (wiping) response serializer.
        const slow = h.service.invoke.bind(h.service);
        h.service.invoke = async (...args) => {
          await new Promise((resolve) => setTimeout(resolve, 150));
          return slow(...args);
        };
        let failure: unknown;
        try {
          await h.client.decrypt(
            { name: KEY, ciphertext: encrypted.ciphertext },
            { timeout: 30, retry: null },
          );
        } catch (error) {
          failure = error;
        }
        expect((failure as { code?: number } | undefined)?.code, 'DEADLINE_EXCEEDED').to.equal(4);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const held = outputs.at(-1)!.plaintext as Uint8Array;
        expect(held).to.have.length(32);
        expect(Buffer.from(held).equals(Buffer.alloc(32)), 'unsent plaintext wiped').to.equal(true);
      });
    }
  });
}
