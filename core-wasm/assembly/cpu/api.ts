// cpu/api.ts — the CPU's exported interface to the hypervisor and the TypeScript side
// (core-contract.md): cpu_init, cpu_execute, cpu_complete_io, cpu_update_mode, state size and
// the state-block offsets (exported as wasm globals from cpu/state.ts).
import * as S from './state';
import { execute } from './exec';
import { updateMode } from './mode';
import { tlbFlush } from './mmu';
import { blockFlushAll } from './block';
import { getRflags } from './flags';

export * from './state';

export function cpu_state_size(): usize { return S.CPU_OFF_END; }

/** Power-on reset (SDM vol. 3A 9.1.1, table 9-1). */
export function cpu_init(cpu: usize, vm: usize, vcpu: usize): void {
  // `cpu` is zeroed memory or an initialized block (INIT): a decode cache it has is kept (emptied)
  const cache = load<u32>(cpu, S.CPU_OFF_BLK_CACHE);
  memory.fill(cpu, 0, S.CPU_OFF_END);
  store<u32>(cpu, cache, S.CPU_OFF_BLK_CACHE);
  store<usize>(cpu, vm, S.CPU_OFF_VM);
  store<usize>(cpu, vcpu, S.CPU_OFF_VCPU);
  store<u64>(cpu, 0x600, S.CPU_OFF_RDX);
  store<u64>(cpu, 0xFFF0, S.CPU_OFF_RIP);
  store<u64>(cpu, 2, S.CPU_OFF_RFLAGS);
  store<u64>(cpu, 0x6000_0010, S.CPU_OFF_CR0);
  for (let i = 0; i < 8; i++) {
    const s = cpu + S.CPU_OFF_SEG + <usize>i * 16;
    store<u32>(s, 0xFFFF, S.SEG_LIMIT);
    store<u16>(s, i == S.SEG_CS ? 0x9B : i == S.SEG_LDTR ? 0x82 : i == S.SEG_TR ? 0x8B : 0x93, S.SEG_ATTR);
  }
  const cs = cpu + S.CPU_OFF_SEG + <usize>S.SEG_CS * 16;
  store<u16>(cs, 0xF000, S.SEG_SELECTOR);
  store<u64>(cs, 0xFFFF_0000, S.SEG_BASE);
  store<u64>(cpu, 0xFFFF, S.CPU_OFF_GDTR_LIMIT);
  store<u64>(cpu, 0xFFFF, S.CPU_OFF_IDTR_LIMIT);
  store<u64>(cpu, 0xFFFF_0FF0, S.CPU_OFF_DR + 6 * 8);
  store<u64>(cpu, 0x400, S.CPU_OFF_DR + 7 * 8);
  store<u64>(cpu, 0x0007_0406_0007_0406, S.CPU_OFF_PAT);
  store<u64>(cpu, 1, S.CPU_OFF_MISC_ENABLE);             // IA32_MISC_ENABLE: Fast-Strings Enable (as QEMU's reset value)
  store<u16>(cpu + S.CPU_OFF_FXSAVE, 0x037F, 0);        // FCW
  store<u32>(cpu + S.CPU_OFF_FXSAVE, 0x1F80, 24);       // MXCSR
  store<u32>(cpu + S.CPU_OFF_FXSAVE, 0xFFFF, 28);       // MXCSR_MASK
  blockFlushAll(cpu);
  updateMode(cpu);
  tlbFlush(cpu);
}

/** Recomputes mode, CPL and segment bases after the VMM set registers (KVM_SET_SREGS); flushes the TLB. */
export function cpu_update_mode(cpu: usize): void {
  updateMode(cpu);
  tlbFlush(cpu);
}

export function cpu_execute(cpu: usize, maxInstructions: u64): i32 {
  return execute(cpu, maxInstructions);
}

/** Completes a pending IO/MMIO read: the re-executed instruction consumes `data`. */
export function cpu_complete_io(cpu: usize, data: u64): void {
  store<u64>(cpu, data, S.CPU_OFF_IO_DATA);
  store<i32>(cpu, 1, S.CPU_OFF_IO_READY);
}

/** Flushes the TLB (the VMM changed guest page tables behind the CPU, or for tests). */
export function cpu_tlb_flush(cpu: usize): void { tlbFlush(cpu); }

/** RFLAGS with the lazy arithmetic flags computed (KVM_GET_REGS). */
export function cpu_get_rflags(cpu: usize): u64 { return getRflags(cpu); }

/** Sets RFLAGS (KVM_SET_REGS): the lazy state is dropped. */
export function cpu_set_rflags(cpu: usize, v: u64): void {
  store<u64>(cpu, v | 2, S.CPU_OFF_RFLAGS);
  store<i32>(cpu, 0, S.CPU_OFF_LF_OP);
}
