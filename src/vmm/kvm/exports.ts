// exports.ts — the typed view of core.wasm's hypervisor exports (core-wasm/assembly/hv/api.ts) and
// a reader for the struct-offset constants the core exports as wasm globals.
// Invariant: pointers come back from wasm as signed i32; `ptr()` turns them into unsigned numbers
// (a 4 GiB pool has addresses above 2^31).

export interface HvExports {
  core_heap_base(): number;
  pool_init(base: number, end: number): number;
  pool_total_frames(pool: number): number;
  pool_free_frames(pool: number): number;
  pool_used_frames(pool: number): number;
  pool_shared_frames(pool: number): number;
  pool_peak_frames(pool: number): number;
  pool_oom_events(pool: number): number;
  pool_vm_count(pool: number): number;
  pool_alloc(pool: number, n: number): number;
  pool_vm_at(pool: number, index: number): number;
  pool_free(pool: number, hpa: number, n: number): void;
  pool_frame_refcount(pool: number, hpa: number): number;
  vm_create(pool: number): number;
  vm_destroy(vm: number): void;
  vm_id(vm: number): number;
  vm_state(vm: number): number;
  vm_oom_gpa(vm: number): number;
  vm_frames(vm: number): number;
  vm_table_frames(vm: number): number;
  vm_cow_copies(vm: number): number;
  vm_nvcpus(vm: number): number;
  vm_set_user_memory_region(vm: number, slot: number, gpa: number, size: number, flags: number): number;
  ept_translate(vm: number, gpa: number, access: number): number;
  ept_generation(vm: number): number;
  ept_flush(vm: number): void;
  ept_unmap(vm: number, gpa: number, size: number): void;
  ept_write_protect(vm: number, gpa: number, size: number): void;
  ept_share_page(srcVm: number, srcGpa: number, dstVm: number, dstGpa: number): number;
  dirty_log_fetch(vm: number, slot: number): number;
  vcpu_create(vm: number, index: number): number;
  vcpu_destroy(vcpu: number): void;
  vcpu_at(vm: number, index: number): number;
  vcpu_kick(vcpu: number): void;
  vcpu_cpu(vcpu: number): number;
  vcpu_stat(vcpu: number, index: number): number;
  run(vcpu: number, budget: number): number;
  vm_clock_set(vm: number, mode: number, tscHz: number, icountShift: number): void;
  vcpu_now_ns(vcpu: number): number;
  vcpu_warp_to(vcpu: number, ns: number): void;
  vcpu_tsc(vcpu: number): number;
  vcpu_next_deadline(vcpu: number): number;
  vcpu_service_timers(vcpu: number): void;
  irq_line(vm: number, gsi: number, level: number): number;
  signal_msi(vm: number, address: number, data: number): number;
  vcpu_irq_pending(vcpu: number): number;
  vcpu_irq_acknowledge(vcpu: number, vector: number): void;
  vcpu_nmi_pending(vcpu: number): number;
  vcpu_nmi_acknowledge(vcpu: number): void;
  pio_read(vcpu: number, port: number, size: number): number;
  pio_write(vcpu: number, port: number, size: number, value: number): void;
  mmio_read(vcpu: number, gpa: number, size: number): number;
  mmio_write(vcpu: number, gpa: number, size: number, value: number): void;
  [name: string]: unknown;
}

/** Unsigned view of a pointer returned by wasm. */
export function ptr(p: number): number {
  return p >>> 0;
}

/** Reads an exported constant (a wasm global) by name; throws if the core does not export it. */
export function coreConst(exports: Record<string, unknown>, name: string): number {
  const g = exports[name];
  if (!(g instanceof WebAssembly.Global)) {
    throw new Error(`core.wasm does not export the constant ${name} (rebuild with "npm run build:core")`);
  }
  const v = g.value as number | bigint;
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Whether the core exports a function of that name (parts land at different times). */
export function hasExport(exports: Record<string, unknown>, name: string): boolean {
  return typeof exports[name] === 'function';
}

// errno values the hypervisor exports return, with KVM's meanings
const ERRNO: Record<number, string> = {
  [-2]: 'ENOENT (no such object)',
  [-12]: 'ENOMEM (host memory pool exhausted)',
  [-16]: 'EBUSY',
  [-17]: 'EEXIST (range overlaps another memory slot)',
  [-22]: 'EINVAL (invalid argument)',
};

export function errnoText(code: number): string {
  return ERRNO[code] ?? `error ${code}`;
}
