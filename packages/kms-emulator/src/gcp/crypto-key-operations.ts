import { gcpError, invalidArgument, notEnabled } from './errors.js';
import { listPage } from './listing.js';
import type { CryptoKey, GcpRequest } from './messages.js';
import { checkResourceId, parseCryptoKey, parseKeyRing } from './names.js';
import { maskPaths, type Operation, readMessage } from './operation.js';
import { type CryptoKeyRecord, cryptoKeyMessage, KIND } from './records.js';
import type { GcpResources } from './resources.js';
import { readDuration, readTimestamp } from './time.js';

const DAY = 86_400;
/** Cloud KMS: a key destroys a version 24 hours to 120 days after it is scheduled; 30 days by default. */
const DEFAULT_DESTROY_SCHEDULED = 30 * DAY;
const MIN_DESTROY_SCHEDULED = DAY;
const MAX_DESTROY_SCHEDULED = 120 * DAY;
/** Cloud KMS: automatic rotation at most once a day. */
const MIN_ROTATION_PERIOD = DAY;

export const UPDATABLE_CRYPTO_KEY_FIELDS = ['labels', 'rotation_period', 'next_rotation_time'] as const;

const messageOf = (resources: GcpResources, record: CryptoKeyRecord): CryptoKey =>
  cryptoKeyMessage(record, resources.primaryOf(record));

function checkTemplate(template: GcpRequest): void {
  const { algorithm, protectionLevel } = template as { algorithm?: unknown; protectionLevel?: unknown };
  if (
    algorithm !== undefined &&
    algorithm !== null &&
    algorithm !== 'GOOGLE_SYMMETRIC_ENCRYPTION' &&
    algorithm !== 'CRYPTO_KEY_VERSION_ALGORITHM_UNSPECIFIED'
  )
    throw invalidArgument(
      `version_template.algorithm ${String(algorithm)} is not supported by the emulator: ENCRYPT_DECRYPT keys use GOOGLE_SYMMETRIC_ENCRYPTION.`,
    );
  if (
    protectionLevel !== undefined &&
    protectionLevel !== null &&
    protectionLevel !== 'SOFTWARE' &&
    protectionLevel !== 'PROTECTION_LEVEL_UNSPECIFIED'
  )
    throw invalidArgument(
      `version_template.protection_level ${String(protectionLevel)} is not supported by the emulator: every key is SOFTWARE.`,
    );
}

function readLabels(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidArgument('labels must be a map of strings.');
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k) || typeof v !== 'string' || !/^[a-z0-9_-]{0,63}$/.test(v))
      throw invalidArgument(
        `label '${k.slice(0, 100)}' is invalid: keys start with a lowercase letter; keys and values use at most 63 of [a-z0-9_-].`,
      );
    labels[k] = v;
  }
  return labels;
}

/** Applies rotation fields (either may be cleared by passing undefined) and checks them together. */
function applyRotation(key: CryptoKeyRecord, period: number | undefined, next: number | undefined): void {
  if (period !== undefined && period < MIN_ROTATION_PERIOD)
    throw invalidArgument(`rotation_period must be at least 24 hours (86400s); got ${period}s.`);
  if (period !== undefined && next === undefined)
    throw invalidArgument('next_rotation_time must be set when rotation_period is set.');
  if (period === undefined) delete key.rotationPeriod;
  else key.rotationPeriod = period;
  if (next === undefined) delete key.nextRotationTime;
  else key.nextRotationTime = new Date(next).toISOString();
}

export const cryptoKeyOperations: Record<string, Operation> = {
  CreateCryptoKey: {
    target: (r) => r.parent,
    run(request, { resources, scope, now }) {
      const { keyRingName } = parseKeyRing(request.parent, 'parent');
      const id = checkResourceId(request.cryptoKeyId, 'crypto_key_id');
      const name = `${keyRingName}/cryptoKeys/${id}`;
      scope.touch(name);
      resources.keyRing(keyRingName);
      if (resources.core.store.get(KIND.cryptoKey, name))
        throw gcpError('ALREADY_EXISTS', `CryptoKey ${name} already exists.`);
      const body = readMessage(request, 'cryptoKey');
      if (
        body.purpose === undefined ||
        body.purpose === null ||
        body.purpose === 'CRYPTO_KEY_PURPOSE_UNSPECIFIED'
      )
        throw invalidArgument('crypto_key.purpose is required.');
      if (body.purpose !== 'ENCRYPT_DECRYPT')
        throw invalidArgument(
          `crypto_key.purpose ${String(body.purpose)} is not supported by the emulator: only ENCRYPT_DECRYPT keys.`,
        );
      if (body.importOnly === true)
        throw invalidArgument('import_only keys are not supported by the emulator.');
      checkTemplate(readMessage(body, 'versionTemplate'));
      const destroyScheduled =
        readDuration(body.destroyScheduledDuration, 'crypto_key.destroy_scheduled_duration') ??
        DEFAULT_DESTROY_SCHEDULED;
      if (destroyScheduled < MIN_DESTROY_SCHEDULED || destroyScheduled > MAX_DESTROY_SCHEDULED)
        throw invalidArgument(
          `crypto_key.destroy_scheduled_duration must be between 24 hours and 120 days; got ${destroyScheduled}s.`,
        );
      const record: CryptoKeyRecord = {
        name,
        purpose: 'ENCRYPT_DECRYPT',
        createTime: now.toISOString(),
        labels: readLabels(body.labels),
        destroyScheduledDuration: destroyScheduled,
        nextVersion: 1,
      };
      applyRotation(
        record,
        readDuration(body.rotationPeriod, 'crypto_key.rotation_period'),
        readTimestamp(body.nextRotationTime, 'crypto_key.next_rotation_time'),
      );
      if (request.skipInitialVersionCreation !== true) record.primary = resources.newVersion(record).version;
      resources.putCryptoKey(record);
      return messageOf(resources, record);
    },
  },
  GetCryptoKey: {
    target: (r) => r.name,
    run(request, { resources, scope }) {
      const { cryptoKeyName } = parseCryptoKey(request.name);
      scope.touch(cryptoKeyName);
      return messageOf(resources, resources.cryptoKey(cryptoKeyName));
    },
  },
  ListCryptoKeys: {
    target: (r) => r.parent,
    run(request, { resources, scope }) {
      const { keyRingName } = parseKeyRing(request.parent, 'parent');
      scope.touch(keyRingName);
      resources.keyRing(keyRingName);
      const page = listPage<CryptoKeyRecord, CryptoKey>(
        resources.core.store,
        KIND.cryptoKey,
        `${keyRingName}/cryptoKeys/`,
        { ...request, parent: keyRingName },
        {
          storeKey: (record) => record.name,
          // Through `cryptoKey` so that a due rotation is applied before the key is shown.
          toMessage: (record) => messageOf(resources, resources.cryptoKey(record.name)),
          filterFields: {
            name: (m) => m.name,
            purpose: (m) => m.purpose,
            'primary.state': (m) => m.primary?.state,
          },
        },
      );
      return { cryptoKeys: page.items, nextPageToken: page.nextPageToken };
    },
  },
  UpdateCryptoKey: {
    target: (r) => (r.cryptoKey as GcpRequest | undefined)?.name,
    run(request, { resources, scope }) {
      const body = readMessage(request, 'cryptoKey');
      const { cryptoKeyName } = parseCryptoKey(body.name, 'crypto_key.name');
      scope.touch(cryptoKeyName);
      const paths = maskPaths(request);
      const key = resources.cryptoKey(cryptoKeyName);
      let period = key.rotationPeriod;
      let next = key.nextRotationTime === undefined ? undefined : Date.parse(key.nextRotationTime);
      for (const path of paths) {
        if (path === 'labels') key.labels = readLabels(body.labels);
        else if (path === 'rotation_period')
          period = readDuration(body.rotationPeriod, 'crypto_key.rotation_period');
        else if (path === 'next_rotation_time')
          next = readTimestamp(body.nextRotationTime, 'crypto_key.next_rotation_time');
        else
          throw invalidArgument(
            `update_mask path '${path}' is not supported by the emulator; supported paths: ${UPDATABLE_CRYPTO_KEY_FIELDS.join(', ')}.`,
          );
      }
      applyRotation(key, period, next);
      resources.putCryptoKey(key);
      return messageOf(resources, key);
    },
  },
  UpdateCryptoKeyPrimaryVersion: {
    target: (r) => r.name,
    run(request, { resources, scope }) {
      const { cryptoKeyName } = parseCryptoKey(request.name);
      scope.touch(cryptoKeyName);
      const id = String(request.cryptoKeyVersionId ?? '');
      if (!/^[1-9][0-9]{0,9}$/.test(id))
        throw invalidArgument('crypto_key_version_id must be a version number such as "1".');
      const key = resources.cryptoKey(cryptoKeyName);
      const versionName = `${cryptoKeyName}/cryptoKeyVersions/${id}`;
      const version = resources.version(cryptoKeyName, Number(id), versionName);
      if (version.state !== 'ENABLED') throw notEnabled(versionName, version.state);
      key.primary = version.version;
      resources.putCryptoKey(key);
      return messageOf(resources, key);
    },
  },
};
