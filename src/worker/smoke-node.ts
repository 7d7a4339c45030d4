// smoke-node.ts — worker_thread entry of the smoke path (started by src/cli/smoke.ts).
import { parentPort } from 'node:worker_threads';
import { runSmoke } from './smoke.js';
import type { SmokeRequest } from './smoke-protocol.js';

parentPort!.on('message', async (req: SmokeRequest) => {
  parentPort!.postMessage(await runSmoke(req));
});
