import { formatIssuePath } from '@envelope/core';
import { z } from 'zod';
import { badParameter } from './errors.js';
import { CURVES, KEY_OPERATIONS, KEY_TYPES } from './records.js';

/**
 * Request bodies of the Key Vault keys API, validated once at the service boundary. Unknown members
 * are ignored as the service does; a wrong type or value is `BadParameter` naming the member.
 */
const base64url = z.string().regex(/^[A-Za-z0-9_-]*={0,2}$/, 'must be base64url');
const unixSeconds = z.number().int().nonnegative();
const duration = z
  .string()
  .regex(
    /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
    'must be an ISO 8601 duration',
  );

const attributes = z
  .object({ enabled: z.boolean().optional(), nbf: unixSeconds.optional(), exp: unixSeconds.optional() })
  .optional();
const tags = z
  .record(z.string().max(512), z.string().max(256))
  .refine((t) => Object.keys(t).length <= 15, 'at most 15 tags')
  .optional();
const keyOps = z.array(z.enum(KEY_OPERATIONS)).optional();

export const createKeyBody = z.object({
  kty: z.enum(KEY_TYPES),
  key_size: z.number().int().optional(),
  public_exponent: z.number().int().optional(),
  key_ops: keyOps,
  attributes,
  tags,
  crv: z.enum(CURVES).optional(),
});

export const updateKeyBody = z.object({ key_ops: keyOps, attributes, tags });

export const cryptoBody = z.object({
  alg: z.string().min(1),
  value: base64url,
  iv: base64url.optional(),
  aad: base64url.optional(),
  tag: base64url.optional(),
});

export const verifyBody = z.object({ alg: z.string().min(1), digest: base64url, value: base64url });

export const rotationPolicyBody = z.object({
  lifetimeActions: z
    .array(
      z.object({
        trigger: z.object({ timeAfterCreate: duration.optional(), timeBeforeExpiry: duration.optional() }),
        action: z.object({
          type: z
            .string()
            .transform((s) => s.toLowerCase())
            .pipe(z.enum(['rotate', 'notify']))
            .transform((s) => (s === 'rotate' ? ('Rotate' as const) : ('Notify' as const))),
        }),
      }),
    )
    .max(10)
    .optional(),
  attributes: z.object({ expiryTime: duration.optional() }).optional(),
});

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length ? formatIssuePath(issue.path) : 'body';
  throw badParameter(`The request body is invalid at '${path}': ${issue.message}.`);
}

export const fromBase64url = (value: string | undefined): Buffer | undefined =>
  value === undefined ? undefined : Buffer.from(value, 'base64url');

export const toBase64url = (bytes: Buffer): string => bytes.toString('base64url');
