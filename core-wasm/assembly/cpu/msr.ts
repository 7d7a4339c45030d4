// cpu/msr.ts — RDMSR/WRMSR (SDM vol. 4 "Model-specific registers"): the MSRs Linux touches;
// unknown MSRs raise #GP(0), as hardware does. The TSC, TSC_ADJUST and the APIC MSRs belong to hv.
import * as S from './state';
import { segPtr } from './segment';
import { updateMode } from './mode';
import { tlbFlush } from './mmu';
import { tscRead, tscWrite, tscAdjustRead, tscAdjustWrite, apicBaseRead, apicBaseWrite, apicMsrRead, apicMsrWrite } from './hvlink';

/** Returns true and the value in CPU_OFF_EXIT_DATA-free scratch (RAX/RDX set by the caller). */
/**
 * IA32_ARCH_CAPABILITIES: an interpreter executes nothing speculatively, so it is not affected by
 * the transient-execution attacks the bits deny (RDCL_NO 0: Meltdown, so no page-table isolation;
 * SSB_NO 4, MDS_NO 5, PSCHANGE_MC_NO 6, TAA_NO 8, SBDR_SSDP_NO 13, FBSDP_NO 14, PSDP_NO 15,
 * BHI_NO 20, GDS_NO 26, RFDS_NO 27, ITS_NO 62: without it Linux routes every indirect branch and
 * return through aligned thunks).
 */
const ARCH_CAPABILITIES: u64 = (1 << 0) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 13) | (1 << 14) | (1 << 15) |
  (1 << 20) | (1 << 26) | (1 << 27) | (<u64>1 << 62);

export function msrRead(cpu: usize, msr: u32, out: usize): bool {
  let v: u64 = 0;
  if (msr == 0x10) { store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_ICOUNT), S.CPU_OFF_ICOUNT); v = tscRead(cpu); }
  else if (msr == 0x3B) v = tscAdjustRead(cpu);
  else if (msr == 0x1B) v = apicBaseRead(cpu);
  else if (msr == 0x6E0) v = apicMsrRead(cpu, msr);
  else if (msr == 0x8B || msr == 0x17 || msr == 0x3A || msr == 0x1D9 || msr == 0x79 || msr == 0xCE) v = 0;
  else if (msr == 0xFE) v = 0x508;                      // MTRRcap: 8 variable, fixed, WC
  else if (msr == 0x10A) v = ARCH_CAPABILITIES;
  else if (msr == 0x174) v = load<u64>(cpu, S.CPU_OFF_SYSENTER_CS);
  else if (msr == 0x175) v = load<u64>(cpu, S.CPU_OFF_SYSENTER_ESP);
  else if (msr == 0x176) v = load<u64>(cpu, S.CPU_OFF_SYSENTER_EIP);
  else if (msr == 0x1A0) v = load<u64>(cpu, S.CPU_OFF_MISC_ENABLE);
  else if (msr == 0x277) v = load<u64>(cpu, S.CPU_OFF_PAT);
  else if (mtrrIndex(msr) >= 0) v = load<u64>(cpu + S.CPU_OFF_MTRR + (<usize>mtrrIndex(msr) << 3));
  else if (msr == 0xC000_0080) v = load<u64>(cpu, S.CPU_OFF_EFER);
  else if (msr == 0xC000_0081) v = load<u64>(cpu, S.CPU_OFF_STAR);
  else if (msr == 0xC000_0082) v = load<u64>(cpu, S.CPU_OFF_LSTAR);
  else if (msr == 0xC000_0083) v = load<u64>(cpu, S.CPU_OFF_CSTAR);
  else if (msr == 0xC000_0084) v = load<u64>(cpu, S.CPU_OFF_SFMASK);
  else if (msr == 0xC000_0100) v = load<u64>(segPtr(cpu, S.SEG_FS), S.SEG_BASE);
  else if (msr == 0xC000_0101) v = load<u64>(segPtr(cpu, S.SEG_GS), S.SEG_BASE);
  else if (msr == 0xC000_0102) v = load<u64>(cpu, S.CPU_OFF_KERNEL_GS_BASE);
  else if (msr == 0xC000_0103) v = load<u64>(cpu, S.CPU_OFF_TSC_AUX);
  else return false;
  store<u64>(out, v);
  return true;
}

/** MTRR storage slot: 0x200..0x20F variable, 0x250/0x258/0x259 and 0x268..0x26F fixed, 0x2FF default. */
function mtrrIndex(msr: u32): i32 {
  if (msr >= 0x200 && msr <= 0x20F) return <i32>(msr - 0x200);
  if (msr == 0x250) return 16;
  if (msr == 0x258) return 17;
  if (msr == 0x259) return 18;
  if (msr >= 0x268 && msr <= 0x26F) return <i32>(msr - 0x268 + 19);
  if (msr == 0x2FF) return 27;
  return -1;
}

@inline function canonical(v: u64): bool { return (<i64>(v << 16) >> 16) == <i64>v; }

/** false = #GP(0). */
export function msrWrite(cpu: usize, msr: u32, v: u64): bool {
  if (msr == 0x10) { tscWrite(cpu, v); return true; }
  if (msr == 0x3B) { tscAdjustWrite(cpu, v); return true; }
  if (msr == 0x1B) return apicBaseWrite(cpu, v) == 0;
  if (msr == 0x6E0) return apicMsrWrite(cpu, msr, v) == 0;
  if (msr == 0x8B || msr == 0x79 || msr == 0x1D9 || msr == 0x3A) return true;
  if (msr == 0x174) { store<u64>(cpu, v & 0xFFFF, S.CPU_OFF_SYSENTER_CS); return true; }
  if (msr == 0x175) { if (!canonical(v)) return false; store<u64>(cpu, v, S.CPU_OFF_SYSENTER_ESP); return true; }
  if (msr == 0x176) { if (!canonical(v)) return false; store<u64>(cpu, v, S.CPU_OFF_SYSENTER_EIP); return true; }
  if (msr == 0x1A0) { store<u64>(cpu, v, S.CPU_OFF_MISC_ENABLE); return true; }
  if (msr == 0x277) { store<u64>(cpu, v, S.CPU_OFF_PAT); return true; }
  if (mtrrIndex(msr) >= 0) { store<u64>(cpu + S.CPU_OFF_MTRR + (<usize>mtrrIndex(msr) << 3), v); return true; }
  if (msr == 0xC000_0080) {
    // SCE LME LMA(read-only) NXE; LME cannot change while paging is on.
    if (v & ~<u64>0xD01) return false;
    const old = load<u64>(cpu, S.CPU_OFF_EFER);
    if (((old ^ v) & 0x100) != 0 && (load<u64>(cpu, S.CPU_OFF_CR0) & 0x8000_0000) != 0) return false;
    store<u64>(cpu, (v & ~<u64>0x400) | (old & 0x400), S.CPU_OFF_EFER);
    tlbFlush(cpu);
    return true;
  }
  if (msr == 0xC000_0081) { store<u64>(cpu, v, S.CPU_OFF_STAR); return true; }
  if (msr == 0xC000_0082) { if (!canonical(v)) return false; store<u64>(cpu, v, S.CPU_OFF_LSTAR); return true; }
  if (msr == 0xC000_0083) { if (!canonical(v)) return false; store<u64>(cpu, v, S.CPU_OFF_CSTAR); return true; }
  if (msr == 0xC000_0084) { store<u64>(cpu, v & 0xFFFF_FFFF, S.CPU_OFF_SFMASK); return true; }
  if (msr == 0xC000_0100 || msr == 0xC000_0101) {
    if (!canonical(v)) return false;
    store<u64>(segPtr(cpu, msr == 0xC000_0100 ? S.SEG_FS : S.SEG_GS), v, S.SEG_BASE);
    updateMode(cpu);
    return true;
  }
  if (msr == 0xC000_0102) { if (!canonical(v)) return false; store<u64>(cpu, v, S.CPU_OFF_KERNEL_GS_BASE); return true; }
  if (msr == 0xC000_0103) { store<u64>(cpu, v & 0xFFFF_FFFF, S.CPU_OFF_TSC_AUX); return true; }
  return false;
}
