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
