export type { AuditFilter } from './audit-filter.js';
export {
  EmulatorAdmin,
  EmulatorAdminError,
  type EmulatorAdminOptions,
  type EmulatorAuditQuery,
} from './emulator-admin.js';
export { EmulatorNotRunningError } from './errors.js';
export type { AwsEmulatorFace, EmulatorFaults, RunningEmulator } from './running-emulator.js';
export { type StartEmulatorOptions, startEmulator } from './start-emulator.js';
export { type TestRunnerHooks, type UseEmulatorOptions, useEmulator } from './use-emulator.js';
