import { type AuditQuery, lastSegment } from './audit-record.js';
import { RESOURCE_PLACES } from './sqlite-audit-schema.js';

/** The SQL filter of an audit query: every condition runs in the store, on indexed columns. */
export function auditWhere(query: AuditQuery): { condition: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  /** A condition with the values of its `?`s, in order. */
  const add = (condition: string, ...values: unknown[]) => {
    where.push(condition);
    params.push(...values);
  };
  if (query.after !== undefined) add('seq > ?', query.after);
  if (query.since) add('time >= ?', query.since.getTime());
  if (query.until) add('time < ?', query.until.getTime());
  if (query.service !== undefined) add('service = ?', query.service);
  if (query.location !== undefined) add('location = ?', query.location);
  if (query.operation !== undefined) add('operation = ?', query.operation);
  if (query.resource !== undefined) {
    // `resource` is a full name or a last segment (a key id). A full name (one with a separator) is
    // never a tail, so it matches by name alone: one probe of the names; a last segment matches every
    // name of that tail.
    const names = `SELECT id FROM audit_names WHERE ${lastSegment(query.resource) === query.resource ? 'tail' : 'resource'} = ?`;
    // `seqsNamed` holds `names` twice: one value for each.
    add(`seq IN (${RESOURCE_PLACES.seqsNamed(names)})`, query.resource, query.resource);
  }
  return { condition: where.length ? ` WHERE ${where.join(' AND ')}` : '', params };
}
