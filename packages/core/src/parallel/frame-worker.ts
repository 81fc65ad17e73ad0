// Entry point of a frame worker thread (started by FramePool from the file beside it).
import { runFrameWorker } from './frame-worker-loop.js';

runFrameWorker();
