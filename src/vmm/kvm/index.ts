// index.ts — the KVM-style API the VMM uses to drive core.wasm: Kvm (the pool + /dev/kvm),
// Vm (slots, EPT, dirty log, GuestMemory), and the offset/errno helpers.
export { Kvm, DEFAULT_POOL_MIB, MAX_POOL_MIB, hostMonotonicNs, type PoolStats, type KvmAttachInfo, type VmUsage } from './kvm.js';
export { Vm, type MemoryRegion, type SlotKind, type VmStats, type ClockOptions } from './vm.js';
export { Vcpu, type VcpuExit, type Regs, type Sregs, type Segment } from './vcpu.js';
export { GuestMemory, GuestMemoryError } from './guest-memory.js';
export { coreConst, ptr, type HvExports } from './exports.js';
