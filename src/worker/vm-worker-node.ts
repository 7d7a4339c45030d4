// vm-worker-node.ts — worker_thread entry of a VM: exposes the VM's control surface to the Node
// host (the CLI's connection) through comlink over the worker's parentPort.
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { VmWorker } from './vm-worker.js';

Comlink.expose(new VmWorker(), nodeEndpoint(parentPort!));
