import { kmsError, validationError } from './errors.js';
import type { OperationTable } from './operation.js';
import type { Tag } from './types.js';
import { type Input, optionalString, requireString } from './validate.js';

/**
 * Validates a `Tags` member ([{TagKey, TagValue}], at most 50). As in AWS, a tag key may not begin
 * with `aws:` in any letter case, and one request may not name a tag key twice.
 */
export function parseTags(input: Input, member = 'Tags'): Tag[] | undefined {
  const raw = input[member];
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw kmsError('SerializationException', `Unexpected type for member '${member}'`);
  if (raw.length > 50) throw kmsError('TagException', 'Too many tags: a key can have at most 50 tags');
  const seen = new Set<string>();
  return raw.map((t: unknown) => {
    const tag = (t ?? {}) as Input;
    const TagKey = requireString(tag, 'TagKey', 128);
    const TagValue = optionalString(tag, 'TagValue', 256, 0) ?? '';
    if (TagKey.toLowerCase().startsWith('aws:')) {
      throw kmsError('TagException', `Tag key '${TagKey}' uses the reserved prefix 'aws:'`);
    }
    if (seen.has(TagKey)) {
      throw kmsError('TagException', `Tag key '${TagKey}' appears more than once in the request`);
    }
    seen.add(TagKey);
    return { TagKey, TagValue };
  });
}

export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const merged = new Map(existing.map((t) => [t.TagKey, t.TagValue]));
  for (const t of added) merged.set(t.TagKey, t.TagValue);
  if (merged.size > 50) throw kmsError('TagException', 'Too many tags: a key can have at most 50 tags');
  return [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

export const tagOperations: OperationTable = {
  TagResource(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    const tags = parseTags(input);
    if (!tags) throw validationError('tags', undefined, 'Member must not be null');
    scope.authorize(key, 'TagResource');
    scope.requireNotPendingDeletion(key);
    key.tags = mergeTags(key.tags, tags);
    scope.store.putKey(key);
    return {};
  },
  UntagResource(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    const raw = input.TagKeys;
    if (!Array.isArray(raw) || raw.some((k) => typeof k !== 'string')) {
      throw validationError('tagKeys', undefined, 'Member must not be null');
    }
    scope.authorize(key, 'UntagResource');
    scope.requireNotPendingDeletion(key);
    key.tags = key.tags.filter((t) => !(raw as string[]).includes(t.TagKey));
    scope.store.putKey(key);
    return {};
  },
  ListResourceTags(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    scope.authorize(key, 'ListResourceTags');
    return { Tags: key.tags, Truncated: false };
  },
};
