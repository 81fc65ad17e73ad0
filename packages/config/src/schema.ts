import { z } from 'zod';

/** Key material for raw keyrings comes only from a file or an environment variable, never inline. */
export const secretSource = z.union([
  z
    .object({
      file: z.string().min(1),
      encoding: z.enum(['raw', 'base64', 'hex', 'pem']).default('raw'),
    })
    .strict(),
  z
    .object({
      env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
      encoding: z.enum(['raw', 'base64', 'hex', 'pem']).default('base64'),
    })
    .strict(),
]);
export type SecretSource = z.infer<typeof secretSource>;

/** Every keyring names its type; the adapter registered for that type validates the rest. */
export const keyringConfig = z.looseObject({ type: z.string().min(1) });
export type KeyringConfig = z.infer<typeof keyringConfig>;

export const emulatorConfig = z.union([
  z.boolean(),
  z
    .object({
      /** A running `envelope kms serve`; omitted means the in-process emulator. */
      url: z.url().optional(),
      accountId: z
        .string()
        .regex(/^\d{12}$/)
        .optional(),
      /**
       * In-process only: a seed for the shared emulator, as a seed file path (relative to this config)
       * or inline (the `envelope kms serve --seed` format), so configs naming real key ARNs run
       * unchanged when the seed declares those keys.
       */
      seed: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    })
    .strict(),
]);

export const envelopeConfig = z
  .object({
    version: z.literal(1).default(1),
    keyring: keyringConfig,
    suite: z
      .union([z.number().int(), z.string().regex(/^0x[0-9a-fA-F]{4}$/, 'must be a suite id such as 0x0578')])
      .transform((v) => (typeof v === 'string' ? Number.parseInt(v, 16) : v))
      .optional(),
    frameLength: z.number().int().min(1).max(0xffffffff).optional(),
    commitmentPolicy: z
      .enum([
        'forbid-encrypt-allow-decrypt',
        'require-encrypt-allow-decrypt',
        'require-encrypt-require-decrypt',
      ])
      .optional(),
    requiredEncryptionContext: z.record(z.string(), z.string()).optional(),
    /** Context keys authenticated but not stored in messages (required encryption context CMM). */
    requiredEncryptionContextKeys: z.array(z.string().min(1)).min(1).optional(),
    cache: z
      .object({
        maxAgeMs: z.number().int().min(1),
        maxMessagesEncrypted: z.number().int().min(1).optional(),
        maxBytesEncrypted: z.number().int().min(1).optional(),
        capacity: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    emulator: emulatorConfig.optional(),
  })
  .strict();
export type EnvelopeConfig = z.infer<typeof envelopeConfig>;
