// The parallel mode's worker thread. The build bundles it beside envelope.mjs as frame-worker.cjs (one
// CommonJS file: the thread loads it without an ES module loader), which is where @envelope/core looks
// for it first (next to the module that starts the pool). The build silences esbuild's empty-import-meta
// warning for it: the pool's modules that read import.meta are parsed, then shaken out of this bundle.
import { runFrameWorker } from '@envelope/core';

runFrameWorker();
