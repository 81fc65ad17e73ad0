// The seed format and applySeed live in @envelope/kms-emulator (usable in-process without a server).
export {
  applySeed,
  loadSeedFile,
  type SeedFile,
  SeedFileError,
  type SeedKey,
  type SeedSummary,
  seedFileSchema,
} from '@envelope/kms-emulator';

/** A zod issue path as `keys[0].id` (`(root)` for the whole document). */
export function formatPath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (out, part) =>
        typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part),
      '',
    ) || '(root)'
  );
}
