export type { AuditFilter } from './audit-filter.js';
export { EmulatorNotRunningError } from './errors.js';
export type { AwsEmulatorFace, EmulatorFaults, RunningEmulator } from './running-emulator.js';
export { type StartEmulatorOptions, startEmulator } from './start-emulator.js';
export { type TestRunnerHooks, type UseEmulatorOptions, useEmulator } from './use-emulator.js';
