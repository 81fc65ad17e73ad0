import { gcpError, invalidArgument } from './errors.js';
import { listPage } from './listing.js';
import type { CryptoKeyVersion, GcpRequest } from './messages.js';
import { parseCryptoKey, parseVersion, versionStoreKey } from './names.js';
import { maskPaths, type Operation, readMessage } from './operation.js';
import { KIND, type VersionRecord, versionMessage } from './records.js';

export const versionOperations: Record<string, Operation> = {
  CreateCryptoKeyVersion: {
    target: (r) => r.parent,
    run(request, { resources, scope }) {
      const { cryptoKeyName } = parseCryptoKey(request.parent, 'parent');
      scope.touch(cryptoKeyName);
      const key = resources.cryptoKey(cryptoKeyName);
      const version = resources.newVersion(key);
      // A new version does not take over as primary, except on a key that has none yet.
      if (key.primary === undefined) key.primary = version.version;
      resources.putCryptoKey(key);
      scope.touch(version.name);
      return versionMessage(version);
    },
  },
  GetCryptoKeyVersion: {
    target: (r) => r.name,
    run(request, { resources, scope }) {
      const name = parseVersion(request.name);
      scope.touch(name.versionName);
      resources.cryptoKey(name.cryptoKeyName);
      return versionMessage(resources.version(name.cryptoKeyName, name.version, name.versionName));
    },
  },
  ListCryptoKeyVersions: {
    target: (r) => r.parent,
    run(request, { resources, scope }) {
      const { cryptoKeyName } = parseCryptoKey(request.parent, 'parent');
      scope.touch(cryptoKeyName);
      resources.cryptoKey(cryptoKeyName);
      const page = listPage<VersionRecord, CryptoKeyVersion>(
        resources.core.store,
        KIND.version,
        `${cryptoKeyName}/cryptoKeyVersions/`,
        { ...request, parent: cryptoKeyName },
        {
          storeKey: (record) => versionStoreKey(cryptoKeyName, record.version),
          toMessage: (record) => versionMessage(resources.settle(record)),
          filterFields: { name: (m) => m.name, state: (m) => m.state },
        },
      );
      return { cryptoKeyVersions: page.items, nextPageToken: page.nextPageToken };
    },
  },
  UpdateCryptoKeyVersion: {
    target: (r) => (r.cryptoKeyVersion as GcpRequest | undefined)?.name,
    run(request, { resources, scope }) {
      const body = readMessage(request, 'cryptoKeyVersion');
      const name = parseVersion(body.name, 'crypto_key_version.name');
      scope.touch(name.versionName);
      const paths = maskPaths(request);
      for (const path of paths)
        if (path !== 'state')
          throw invalidArgument(
            `update_mask path '${path}' is not supported: only 'state' of a CryptoKeyVersion can be updated.`,
          );
      const wanted = body.state;
      if (wanted !== 'ENABLED' && wanted !== 'DISABLED')
        throw invalidArgument(
          `crypto_key_version.state can only be set to ENABLED or DISABLED; use DestroyCryptoKeyVersion and RestoreCryptoKeyVersion for other states.`,
        );
      resources.cryptoKey(name.cryptoKeyName);
      const version = resources.version(name.cryptoKeyName, name.version, name.versionName);
      if (version.state !== 'ENABLED' && version.state !== 'DISABLED')
        throw gcpError(
          'FAILED_PRECONDITION',
          `${name.versionName} is in state ${version.state}; only an ENABLED or DISABLED version can be enabled or disabled.`,
        );
      version.state = wanted;
      resources.putVersion(version, name.cryptoKeyName);
      return versionMessage(version);
    },
  },
  DestroyCryptoKeyVersion: {
    target: (r) => r.name,
    run(request, { resources, scope, now }) {
      const name = parseVersion(request.name);
      scope.touch(name.versionName);
      const key = resources.cryptoKey(name.cryptoKeyName);
      const version = resources.version(name.cryptoKeyName, name.version, name.versionName);
      if (version.state !== 'ENABLED' && version.state !== 'DISABLED')
        throw gcpError(
          'FAILED_PRECONDITION',
          `${name.versionName} is in state ${version.state}; only an ENABLED or DISABLED version can be destroyed.`,
        );
      version.state = 'DESTROY_SCHEDULED';
      version.destroyTime = new Date(now.getTime() + key.destroyScheduledDuration * 1000).toISOString();
      resources.putVersion(version, name.cryptoKeyName);
      return versionMessage(version);
    },
  },
  RestoreCryptoKeyVersion: {
    target: (r) => r.name,
    run(request, { resources, scope }) {
      const name = parseVersion(request.name);
      scope.touch(name.versionName);
      resources.cryptoKey(name.cryptoKeyName);
      const version = resources.version(name.cryptoKeyName, name.version, name.versionName);
      if (version.state !== 'DESTROY_SCHEDULED')
        throw gcpError(
          'FAILED_PRECONDITION',
          `${name.versionName} is in state ${version.state}; only a DESTROY_SCHEDULED version can be restored.`,
        );
      const { destroyTime: _cleared, ...rest } = version;
      const restored: VersionRecord = { ...rest, state: 'DISABLED' };
      resources.putVersion(restored, name.cryptoKeyName);
      return versionMessage(restored);
    },
  },
};
