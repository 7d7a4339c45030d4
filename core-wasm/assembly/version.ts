// version.ts — the core's version, readable by every layer above (smoke path, `virsh version`).
// Encoded as major*1_000_000 + minor*1_000 + patch, the way libvirt encodes versions.
export const CORE_VERSION_MAJOR: i32 = 0;
export const CORE_VERSION_MINOR: i32 = 1;
export const CORE_VERSION_PATCH: i32 = 0;

export function core_version(): i32 {
  return CORE_VERSION_MAJOR * 1_000_000 + CORE_VERSION_MINOR * 1_000 + CORE_VERSION_PATCH;
}

/** First byte of linear memory past the core's static data: the host memory pool may start here. */
export function core_heap_base(): usize {
  return __heap_base;
}
