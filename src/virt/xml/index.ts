/*
 * index.ts — the generic XML layer: document model, parser with positions, and
 * libvirt-style serializer. Nothing here knows about domains or pools.
 */
export * from './node.js';
export * from './parse.js';
export * from './format.js';
