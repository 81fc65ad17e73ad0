import { gcpError } from './errors.js';
import { listPage } from './listing.js';
import type { KeyRing } from './messages.js';
import { checkResourceId, parseKeyRing, parseLocation } from './names.js';
import type { Operation } from './operation.js';
import { type KeyRingRecord, KIND, keyRingMessage } from './records.js';

export const keyRingOperations: Record<string, Operation> = {
  CreateKeyRing: {
    target: (r) => r.parent,
    run(request, { resources, scope, now }) {
      const parent = parseLocation(request.parent, 'parent');
      const id = checkResourceId(request.keyRingId, 'key_ring_id');
      const name = `${parent.name}/keyRings/${id}`;
      scope.touch(name);
      if (resources.core.store.get(KIND.keyRing, name))
        throw gcpError('ALREADY_EXISTS', `KeyRing ${name} already exists.`);
      const record: KeyRingRecord = { name, createTime: now.toISOString() };
      resources.putKeyRing(record);
      return keyRingMessage(record);
    },
  },
  GetKeyRing: {
    target: (r) => r.name,
    run(request, { resources, scope }) {
      const { keyRingName } = parseKeyRing(request.name);
      scope.touch(keyRingName);
      return keyRingMessage(resources.keyRing(keyRingName));
    },
  },
  ListKeyRings: {
    target: (r) => r.parent,
    run(request, { resources, scope }) {
      const parent = parseLocation(request.parent, 'parent');
      scope.touch(parent.name);
      const page = listPage<KeyRingRecord, KeyRing>(
        resources.core.store,
        KIND.keyRing,
        `${parent.name}/keyRings/`,
        { ...request, parent: parent.name },
        {
          storeKey: (record) => record.name,
          toMessage: keyRingMessage,
          filterFields: { name: (m) => m.name },
        },
      );
      return { keyRings: page.items, nextPageToken: page.nextPageToken };
    },
  },
};
