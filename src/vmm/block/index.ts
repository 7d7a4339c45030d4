// The block layer's public surface (QEMU's block/ twin): byte stores, image
// formats behind BlockDevice, image management, and I/O throttling.
// Everything above src/vmm/block (virtio-blk, libvirt storage pools) imports
// from here only.

export { BlockError, type BlockErrorCode } from './errors.js';
export type { ByteStore, StoreProvider, StoreOpenOptions } from './store.js';
export { isValidStoreName, resolveStoreName } from './store.js';
export type { BlockDevice, ImageFormat, WriteZeroesOptions } from './device.js';
export { MemoryStoreProvider } from './store-memory.js';
export {
  createImage, openImage, imageInfo, resizeImage,
  type CreateImageOptions, type OpenImageOptions, type ImageInfo, type BackingSpec,
} from './images.js';
export { convertImage, type ConvertOptions } from './convert.js';
export {
  ThrottledDevice, ThrottleGroup, ThrottleGroupRegistry, validateThrottleLimits,
  type ThrottleLimits, type ThrottleClock, realClock,
} from './throttle.js';
// Node-only and browser-only providers are imported from their own modules so
// that bundles do not pull in node:fs or IndexedDB:
//   import { NodeStoreProvider } from 'src/vmm/block/store-node.js'
//   import { IdbStoreProvider } from 'src/vmm/block/store-idb.js'
