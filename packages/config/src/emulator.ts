/**
 * `@envelope/config/emulator`: the process's shared in-process emulator. A separate entry point,
 * so that importing `@envelope/config` never loads the emulator (nor its storage drivers).
 */
export { type SharedEmulator, sharedEmulator } from './shared-emulator.js';
