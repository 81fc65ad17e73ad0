import { kmsError } from './errors.js';
import { type MemberShape, REQUEST_SHAPES, type StructureShape } from './request-shapes.js';
import type { Input } from './validate.js';

/**
 * The members of `raw` that `operation`'s request shape names, copied into prototype-free objects:
 * unknown members (at any depth) are dropped as AWS JSON 1.1 services drop them, `null` means absent,
 * and a member of the wrong JSON type is a SerializationException. The copy is as deep as the shape
 * (three levels at most), so nothing an operation, its audit event or the store sees can be deeper.
 */
export function requestMembers(operation: string, raw: unknown): Input {
  const shape = REQUEST_SHAPES[operation];
  if (!shape) return Object.create(null) as Input;
  if (raw === undefined || raw === null) return Object.create(null) as Input;
  return structure(shape, raw, '');
}

function structure(shape: StructureShape, value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw unexpected(path || 'request');
  const out = Object.create(null) as Record<string, unknown>;
  for (const member of Object.keys(shape)) {
    if (!Object.hasOwn(value, member)) continue;
    const v = value[member];
    if (v === undefined || v === null) continue;
    out[member] = copy(shape[member]!, v, path ? `${path}.${member}` : member);
  }
  return out;
}

function copy(shape: MemberShape, value: unknown, path: string): unknown {
  switch (shape) {
    case 'string':
      if (typeof value !== 'string') throw unexpected(path);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw unexpected(path);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw unexpected(path);
      return value;
    case 'blob':
      if (!(value instanceof Uint8Array)) throw unexpected(path);
      return value;
    case 'stringList':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw unexpected(path);
      return [...value];
    case 'stringMap': {
      if (!isRecord(value)) throw unexpected(path);
      const out = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw unexpected(path);
        out[k] = v;
      }
      return out;
    }
  }
  if ('struct' in shape) return structure(shape.struct, value, path);
  if (!Array.isArray(value)) throw unexpected(path);
  return value.map((item, i) => structure(shape.listOf, item, `${path}[${i}]`));
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

const unexpected = (path: string) =>
  kmsError('SerializationException', `Unexpected type for member '${path}'`);
