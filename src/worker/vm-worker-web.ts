// vm-worker-web.ts — Web Worker entry of a VM: boot files by URL, disks from IndexedDB; exposes the
// VM's control surface to the page through comlink.
import * as Comlink from 'comlink';
import { IdbStoreProvider } from '../vmm/block/store-idb.js';
import { openImage } from '../vmm/block/images.js';
import { VmWorker } from './vm-worker.js';
import { readInlineOrUrl } from './worker-platform.js';

const images = new IdbStoreProvider();

Comlink.expose(new VmWorker({
  readBootFile: async (f) => {
    const bytes = await readInlineOrUrl(f);
    if (!bytes) throw new Error('the browser cannot read local file paths: give the kernel as a URL');
    return bytes;
  },
  // The browser storage host maps a pool path to a name prefix; the disk path is that name.
  openDisk: (d) => openImage(images, d.path.replace(/^\/+/, ''), { readOnly: d.readOnly, format: d.format }),
}));
