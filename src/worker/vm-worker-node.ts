// vm-worker-node.ts — worker_thread entry of a VM: boot files and disks from the file system;
// exposes the VM's control surface to the Node host through comlink over parentPort.
import { parentPort } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { NodeStoreProvider } from '../vmm/block/store-node.js';
import { openImage } from '../vmm/block/images.js';
import { VmWorker } from './vm-worker.js';
import { readInlineOrUrl } from './worker-platform.js';

Comlink.expose(new VmWorker({
  readBootFile: async (f) => (await readInlineOrUrl(f)) ?? new Uint8Array(await readFile((f as { path: string }).path)),
  openDisk: (d) => openImage(new NodeStoreProvider(dirname(d.path)), basename(d.path), { readOnly: d.readOnly, format: d.format }),
}), nodeEndpoint(parentPort!));
