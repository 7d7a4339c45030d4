// index.ts — core.wasm's export surface. Each area exports its own API module;
// this file only re-exports them, so areas never edit one shared file.
export * from './version';
export * from './hv/api';
export * from './cpu/api';
export * from './fpu/api';
