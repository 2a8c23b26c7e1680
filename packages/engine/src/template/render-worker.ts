/**
 * A worker thread that runs one render the main thread gave up on after its time slice (renderer.ts),
 * within the rest of the render's budget, and posts the result or the error back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RenderMeter } from './budget.js';
import { performOperation } from './operations.js';
import { errorToWire, type RenderJob, type WorkerReply } from './render-job.js';

const job = workerData as RenderJob;
let reply: WorkerReply;
try {
  const meter = new RenderMeter(job.limits, job.where);
  reply = { ok: true, value: performOperation(job.operation, job.scope, job.where, meter) };
} catch (error) {
  reply = { ok: false, error: errorToWire(error) };
}
parentPort?.postMessage(reply);
