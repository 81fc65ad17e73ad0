import { formatIssuePath } from '@envelope/core';
import { type AwsFaults, KMS_EXCEPTION_NAMES, type KmsExceptionName } from '@envelope/kms-emulator';
import { z } from 'zod';

const match = {
  operation: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
};
const trigger = {
  ...match,
  probability: z.number().min(0).max(1).optional(),
  everyNth: z.number().int().min(1).optional(),
};

/**
 * One fault, as the admin endpoint (`POST /_envelope/faults`) and `envelope kms serve --fault`
 * take it: exactly one of the members below.
 */
export const faultSpecSchema = z.union([
  z.strictObject({ throttle: z.strictObject(trigger) }),
  z.strictObject({ latency: z.strictObject({ ...match, ms: z.number().int().min(0).max(600_000) }) }),
  z.strictObject({
    fail: z.strictObject({
      ...trigger,
      exception: z
        .string()
        .refine(
          (name) => (KMS_EXCEPTION_NAMES as readonly string[]).includes(name),
          `must be an AWS KMS exception name: one of ${KMS_EXCEPTION_NAMES.join(', ')}`,
        ),
      message: z.string().optional(),
    }),
  }),
  z.strictObject({ regionDown: z.string().min(1) }),
  z.strictObject({ regionUp: z.string().min(1) }),
  z.strictObject({ clear: z.literal(true) }),
]);

export type FaultSpec = z.infer<typeof faultSpecSchema>;

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

/** Validates an unknown value (parsed JSON) as a fault spec. */
export function parseFaultSpec(raw: unknown): FaultSpec {
  const parsed = faultSpecSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new FaultSpecError(
    'Expected exactly one of {"throttle":{…}}, {"latency":{"ms":…}}, {"fail":{"exception":…}}, ' +
      `{"regionDown":"<region>"}, {"regionUp":"<region>"}, {"clear":true}: ${parsed.error.issues
        .map((i) => `${formatIssuePath(i.path)}: ${i.message}`)
        .join('; ')}`,
  );
}

/** Applies a validated fault to the engine's injector. */
export function applyFault(faults: AwsFaults, spec: FaultSpec): void {
  if ('throttle' in spec) faults.throttle(strip(spec.throttle));
  else if ('latency' in spec) faults.latency(strip(spec.latency));
  else if ('fail' in spec) {
    const { exception, ...rest } = strip(spec.fail);
    faults.fail({ ...rest, exception: exception as KmsExceptionName });
  } else if ('regionDown' in spec) faults.regionDown(spec.regionDown);
  else if ('regionUp' in spec) faults.regionUp(spec.regionUp);
  else faults.clear();
}

/** Drops undefined members (exactOptionalPropertyTypes). */
function strip<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
