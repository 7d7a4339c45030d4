// vm.ts — a VM handle (KVM's VM file descriptor): memory slots (KVM_SET_USER_MEMORY_REGION),
// the EPT controls (unmap, write-protect, KSM-style page sharing), the dirty log
// (KVM_GET_DIRTY_LOG), guest memory access and statistics.
// Invariants: slot ranges are 4 KiB aligned and never overlap; every failed call throws an Error
// that names the slot and range and leaves the VM as it was.

import { coreConst, errnoText, ptr } from './exports.js';
import { GuestMemory } from './guest-memory.js';
import type { Kvm } from './kvm.js';
import { Vcpu } from './vcpu.js';

export type SlotKind = 'ram' | 'rom' | 'mmio';

export interface MemoryRegion {
  slot: number;
  guestPhysAddr: number;
  memorySize: number;
  kind?: SlotKind;
  logDirtyPages?: boolean;
}

export interface ClockOptions {
  /** 'realtime' (host monotonic clock, the default) or 'deterministic' (time from instruction counts) */
  mode: 'realtime' | 'deterministic';
  /** advertised TSC frequency in Hz (default 2 GHz) */
  tscHz?: number;
  /** deterministic mode: each instruction lasts 2^icountShift ns (default 0: 1 ns) */
  icountShift?: number;
}

export interface VmStats {
  id: number;
  state: 'running' | 'oom' | 'dead';
  /** guest pages mapped (shared pages counted in each VM that maps them) */
  guestFrames: number;
  /** EPT table frames */
  eptFrames: number;
  cowCopies: number;
  eptGeneration: number;
  /** guest-physical address whose allocation failed, when state is 'oom' */
  oomGpa?: number;
}

const SLOT_FLAGS: Record<SlotKind, number> = { ram: 1, rom: 2, mmio: 3 };
const SLOT_LOG_DIRTY = 0x100;
const PAGE = 4096;

export class Vm {
  readonly memory: GuestMemory;
  private readonly regions = new Map<number, MemoryRegion>();

  constructor(readonly kvm: Kvm, readonly pointer: number) {
    this.memory = new GuestMemory(kvm.core, kvm.memory, pointer);
  }

  get id(): number {
    return this.kvm.core.vm_id(this.pointer);
  }

  /** KVM_SET_USER_MEMORY_REGION; memorySize 0 deletes the slot (its frames return to the pool). */
  setUserMemoryRegion(region: MemoryRegion): void {
    const { slot, guestPhysAddr: gpa, memorySize: size } = region;
    const kind = region.kind ?? 'ram';
    const what = `memory slot ${slot} (0x${gpa.toString(16)}+0x${size.toString(16)}, ${kind})`;
    if (!Number.isSafeInteger(gpa) || !Number.isSafeInteger(size) || gpa < 0 || size < 0) {
      throw new RangeError(`${what}: address and size must be non-negative integers`);
    }
    if (gpa % PAGE !== 0 || size % PAGE !== 0) throw new RangeError(`${what}: address and size must be 4 KiB aligned`);
    if (!(kind in SLOT_FLAGS)) throw new RangeError(`${what}: kind must be ram, rom or mmio`);
    const flags = SLOT_FLAGS[kind] | (region.logDirtyPages ? SLOT_LOG_DIRTY : 0);
    const r = this.kvm.core.vm_set_user_memory_region(this.pointer, slot, gpa, size, flags);
    if (r < 0) throw new Error(`${what}: ${errnoText(r)}`);
    if (size === 0) this.regions.delete(slot);
    else this.regions.set(slot, { ...region, kind });
  }

  deleteMemoryRegion(slot: number): void {
    const r = this.regions.get(slot);
    this.setUserMemoryRegion({ slot, guestPhysAddr: r?.guestPhysAddr ?? 0, memorySize: 0 });
  }

  /** The slots set through this handle. */
  memoryRegions(): MemoryRegion[] {
    return [...this.regions.values()];
  }

  /**
   * KVM_GET_DIRTY_LOG: the pages of `slot` written since the previous call (bit i = page i of the
   * slot), then clears the log. Throws if logging is off for the slot.
   */
  getDirtyLog(slot: number): Uint32Array {
    const region = this.regions.get(slot);
    if (!region) throw new Error(`memory slot ${slot} is not set`);
    const bm = ptr(this.kvm.core.dirty_log_fetch(this.pointer, slot));
    if (bm === 0) throw new Error(`memory slot ${slot} does not log dirty pages`);
    const words = Math.ceil(region.memorySize / PAGE / 32);
    return new Uint32Array(this.kvm.memory.buffer, bm, words).slice();
  }

  /** Page numbers (guest-physical addresses) marked in a dirty bitmap of `slot`. */
  dirtyPages(slot: number, bitmap: Uint32Array): number[] {
    const base = this.regions.get(slot)?.guestPhysAddr ?? 0;
    const out: number[] = [];
    bitmap.forEach((w, i) => {
      for (let b = 0; w !== 0; b++, w >>>= 1) if (w & 1) out.push(base + (i * 32 + b) * PAGE);
    });
    return out;
  }

  /** Drops the mappings of a range (balloon inflate): the frames go back to the pool; INVEPT. */
  unmap(gpa: number, size: number): void {
    this.kvm.core.ept_unmap(this.pointer, gpa, size);
  }

  /** Write-protects a range: the next guest write to a shared page copies it; INVEPT. */
  writeProtect(gpa: number, size: number): void {
    this.kvm.core.ept_write_protect(this.pointer, gpa, size);
  }

  /** KSM merge: this VM's page at `gpa` becomes a read-only share of `src`'s page at `srcGpa`. */
  sharePageFrom(src: Vm, srcGpa: number, gpa: number): void {
    const r = this.kvm.core.ept_share_page(src.pointer, srcGpa, this.pointer, gpa);
    if (r < 0) throw new Error(`cannot share page 0x${srcGpa.toString(16)} into 0x${gpa.toString(16)}: ${errnoText(r)}`);
  }

  /** Host address of a guest page (for tests and tools); throws on MMIO/OOM. */
  hostAddress(gpa: number, write = false): number {
    return this.memory.translate(gpa, write ? 2 : 1);
  }

  eptGeneration(): number {
    return this.kvm.core.ept_generation(this.pointer) >>> 0;
  }

  stats(): VmStats {
    const c = this.kvm.core;
    const s = c.vm_state(this.pointer);
    const stats: VmStats = {
      id: c.vm_id(this.pointer),
      state: s === coreConst(c, 'VM_STATE_OOM') ? 'oom' : s === coreConst(c, 'VM_STATE_DEAD') ? 'dead' : 'running',
      guestFrames: c.vm_frames(this.pointer),
      eptFrames: c.vm_table_frames(this.pointer),
      cowCopies: c.vm_cow_copies(this.pointer),
      eptGeneration: this.eptGeneration(),
    };
    if (stats.state === 'oom') stats.oomGpa = c.vm_oom_gpa(this.pointer);
    return stats;
  }

  /** Chooses the VM's clock source (before its vCPUs run). */
  setClock(opts: ClockOptions): void {
    const shift = opts.icountShift ?? 0;
    if (!Number.isInteger(shift) || shift < 0 || shift > 15) throw new RangeError(`icountShift ${shift} must be an integer from 0 to 15`);
    const hz = opts.tscHz ?? 2e9;
    if (!(hz >= 1e6 && hz <= 1e11)) throw new RangeError(`tscHz ${hz} is out of range (1 MHz to 100 GHz)`);
    if (opts.mode !== 'realtime' && opts.mode !== 'deterministic') throw new RangeError(`clock mode must be realtime or deterministic`);
    this.kvm.core.vm_clock_set(this.pointer, opts.mode === 'deterministic' ? 1 : 0, hz, shift);
  }

  /** KVM_CREATE_VCPU (index 0 is the bootstrap processor). */
  createVcpu(index = 0): Vcpu {
    const v = ptr(this.kvm.core.vcpu_create(this.pointer, index));
    if (v === 0) throw new Error(`cannot create vCPU ${index}: index out of range (0-63), already created, or host memory pool exhausted`);
    return new Vcpu(this, v, index);
  }

  /** KVM_IRQ_LINE: drives a GSI (0-23) high or low. */
  irqLine(gsi: number, level: boolean): void {
    if (this.kvm.core.irq_line(this.pointer, gsi, level ? 1 : 0) < 0) throw new RangeError(`GSI ${gsi} does not exist (0-23)`);
  }

  /** KVM_SIGNAL_MSI: returns how many local APICs accepted the message. */
  signalMsi(address: number, data: number): number {
    const r = this.kvm.core.signal_msi(this.pointer, address, data);
    if (r < 0) throw new RangeError(`MSI address 0x${address.toString(16)} is not in the 0xFEExxxxx window`);
    return r;
  }

  /** Frees every frame the VM holds; the handle is unusable afterwards. */
  destroy(): void {
    this.kvm.core.vm_destroy(this.pointer);
    this.regions.clear();
  }
}
