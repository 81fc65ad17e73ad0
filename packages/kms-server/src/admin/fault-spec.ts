import { EnvelopeError, formatIssuePath } from '@envelope/core';
import {
  AZURE_ERROR_STATUS,
  type FaultHandle,
  type FaultInjector,
  GCP_STATUS_CODES,
  KMS_EXCEPTION_NAMES,
} from '@envelope/kms-emulator';
import { z } from 'zod';

/** The clouds a fault can target, and the error names each answers with (`fail.error`). */
export const FAULT_SERVICES = ['aws', 'gcp', 'azure'] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];

const ERROR_NAMES: Readonly<Record<FaultService, readonly string[]>> = {
  aws: KMS_EXCEPTION_NAMES,
  gcp: Object.keys(GCP_STATUS_CODES),
  azure: Object.keys(AZURE_ERROR_STATUS),
};
const ERROR_KIND: Readonly<Record<FaultService, string>> = {
  aws: 'an AWS KMS exception name',
  gcp: 'a Cloud KMS status',
  azure: 'a Key Vault error code',
};

const match = {
  /** Default `aws`. */
  service: z.enum(FAULT_SERVICES).optional(),
  /** AWS Region, GCP location (`projects/p/locations/l`) or Azure vault name; `region` is its AWS alias. */
  location: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  operation: z.string().min(1).optional(),
};
const trigger = {
  ...match,
  probability: z.number().min(0).max(1).optional(),
  everyNth: z.number().int().min(1).optional(),
};
const place = z.strictObject({ service: z.enum(FAULT_SERVICES), location: z.string().min(1) });

type Located = {
  service?: FaultService | undefined;
  location?: string | undefined;
  region?: string | undefined;
};
const oneLocation = (value: Located, ctx: z.core.$RefinementCtx) => {
  if (value.location !== undefined && value.region !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['region'], message: 'give location or region, not both' });
  }
};

const failure = z
  .strictObject({
    ...trigger,
    /** The cloud's own error name (also accepted as `exception`, the AWS word). */
    error: z.string().optional(),
    exception: z.string().optional(),
    message: z.string().optional(),
  })
  .superRefine((value, ctx) => {
    oneLocation(value, ctx);
    const service = value.service ?? 'aws';
    const given = [value.error, value.exception].filter((name) => name !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['error'],
        message: `name the error to answer with: error (or exception), exactly one, ${ERROR_KIND[service]}`,
      });
      return;
    }
    if (!ERROR_NAMES[service].includes(given[0]!)) {
      ctx.addIssue({
        code: 'custom',
        path: [value.error !== undefined ? 'error' : 'exception'],
        message: `must be ${ERROR_KIND[service]}: one of ${ERROR_NAMES[service].join(', ')}`,
      });
    }
  });

/** Each kind of fault spec, by its one member name. */
const MEMBERS = {
  throttle: z.strictObject(trigger).superRefine(oneLocation),
  latency: z.strictObject({ ...match, ms: z.number().int().min(0).max(600_000) }).superRefine(oneLocation),
  fail: failure,
  down: place,
  up: place,
  regionDown: z.string().min(1),
  regionUp: z.string().min(1),
  clear: z.literal(true),
} as const;

type Member = keyof typeof MEMBERS;

/**
 * One fault, as the admin endpoint (`POST /_envelope/faults`) and `envelope kms serve --fault`
 * take it: exactly one of {@link MEMBERS}. `service` (default `aws`) picks the cloud; `location`
 * (or `region`) the AWS Region, GCP location or Azure vault; `operation` the cloud's operation name.
 */
export type FaultSpec = { [K in Member]: { [P in K]: z.infer<(typeof MEMBERS)[K]> } }[Member];

/** The schema of {@link FaultSpec}: one strict single-member object per entry of {@link MEMBERS}. */
export const faultSpecSchema: z.ZodType<FaultSpec> = z.union(
  (Object.keys(MEMBERS) as Member[]).map((name) => z.strictObject({ [name]: MEMBERS[name] })),
) as z.ZodType as z.ZodType<FaultSpec>;

/** A fault spec that is not one of the accepted shapes; the message lists them and the problem. */
export class FaultSpecError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_FAULT_SPEC_INVALID';
}

const SHAPES =
  'Expected exactly one of {"throttle":{…}}, {"latency":{"ms":…}}, {"fail":{"error":…}}, ' +
  '{"down":{"service":…,"location":…}}, {"up":{…}}, {"regionDown":"<region>"}, {"regionUp":"<region>"}, ' +
  `{"clear":true} (service: ${FAULT_SERVICES.join(' | ')}, default aws)`;

/** Validates an unknown value (parsed JSON) as a fault spec. */
export function parseFaultSpec(raw: unknown): FaultSpec {
  const keys = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : [];
  const member = keys.length === 1 && Object.hasOwn(MEMBERS, keys[0]!) ? (keys[0] as Member) : undefined;
  if (member === undefined) {
    throw new FaultSpecError(
      `${SHAPES}: got ${keys.length ? `members ${keys.join(', ')}` : (JSON.stringify(raw) ?? 'nothing')}`,
    );
  }
  // The one member named decides the shape: parsed once, its issues named by their path under it.
  const parsed = MEMBERS[member].safeParse((raw as Record<string, unknown>)[member]);
  if (parsed.success) return { [member]: parsed.data } as FaultSpec;
  const issues = parsed.error.issues.map((i) => `${formatIssuePath([member, ...i.path])}: ${i.message}`);
  throw new FaultSpecError(`${SHAPES}: ${issues.join('; ')}`);
}

/**
 * Applies a validated fault to the core injector (shared by every cloud). Returns the new fault's
 * handle, or undefined for `up`, `regionUp` and `clear`, which remove faults.
 */
export function applyFault(faults: FaultInjector, spec: FaultSpec): FaultHandle | undefined {
  if ('throttle' in spec)
    return faults.throttle(strip({ ...where(spec.throttle), ...triggerOf(spec.throttle) }));
  if ('latency' in spec) return faults.latency({ ...where(spec.latency), ms: spec.latency.ms });
  if ('fail' in spec) {
    const { fail } = spec;
    return faults.fail(
      strip({
        ...where(fail),
        ...triggerOf(fail),
        error: (fail.error ?? fail.exception)!,
        message: fail.message,
      }),
    );
  }
  if ('down' in spec) return faults.down(spec.down.service, spec.down.location);
  if ('up' in spec) faults.up(spec.up.service, spec.up.location);
  else if ('regionDown' in spec) return faults.down('aws', spec.regionDown);
  else if ('regionUp' in spec) faults.up('aws', spec.regionUp);
  else faults.clear();
  return undefined;
}

const where = (m: Located & { operation?: string | undefined }) =>
  strip({ service: m.service ?? 'aws', location: m.location ?? m.region, operation: m.operation });

const triggerOf = (t: { probability?: number | undefined; everyNth?: number | undefined }) =>
  strip({ probability: t.probability, everyNth: t.everyNth });

/** Drops undefined members (exactOptionalPropertyTypes). */
function strip<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
