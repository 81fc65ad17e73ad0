// The parallel mode's worker thread. The build bundles it beside envelope.mjs as frame-worker.mjs,
// which is where @envelope/core looks for it (next to the module that starts the pool, same extension).
import { runFrameWorker } from '@envelope/core';

runFrameWorker();
