// vm-worker-web.ts — Web Worker entry of a VM: exposes the VM's control surface to the page
// through comlink. The VM itself (machine model + vCPU run loop) is src/worker/vm-worker.ts.
import * as Comlink from 'comlink';
import { VmWorker } from './vm-worker.js';

Comlink.expose(new VmWorker());
