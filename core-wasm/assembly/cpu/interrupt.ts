// cpu/interrupt.ts — event delivery into the guest (SDM vol. 3A ch. 6: 6.12 protected-mode IDT
// gates, 6.14 IA-32e mode (16-byte gates, IST, 16-byte stack alignment), 6.15 #DF; 20.1.4
// real-mode IVT). Exceptions come from the run loop (RIP = the faulting instruction); INT n,
// INT3, INTO and external interrupts call deliverEvent directly (RIP = the next instruction).
// A fault while delivering becomes #DF; a fault while delivering #DF is a triple fault
// (SHUTDOWN exit). Task gates are not supported (internal error).
import * as S from './state';
import { raise, aborted, exitAfter } from './except';
import { getRflags } from './flags';
import { sysRead, sysWrite, readDescriptor, loadSegCache, loadRealSeg, loadNullSeg, descDpl, descPresent, segPtr } from './segment';
import { updateMode } from './mode';
import { writeMem } from './mmu';

export const EV_SOFT: i32 = 1;     // INT n: gate DPL checked against CPL
export const EV_EXT: i32 = 2;      // external interrupt / NMI: EXT bit in error codes
export const EV_ERRCODE: i32 = 4;  // push `error`

/** Exceptions that push an error code (SDM table 6-1). */
@inline export function hasErrorCode(v: i32): bool {
  return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

/** Returns CPU_EXIT_NONE when the guest handler is entered, else the exit code. */
export function deliverException(cpu: usize): i32 {
  let vector = load<i32>(cpu, S.CPU_OFF_EXC_VECTOR);
  let error = load<i32>(cpu, S.CPU_OFF_EXC_ERROR);
  for (let attempt = 0; attempt < 3; attempt++) {
    store<i32>(cpu, 0, S.CPU_OFF_FAULT);
    if (deliverEvent(cpu, vector, error, hasErrorCode(vector) ? EV_ERRCODE : 0)) return S.CPU_EXIT_NONE;
    const f = load<i32>(cpu, S.CPU_OFF_FAULT);
    store<i32>(cpu, 0, S.CPU_OFF_FAULT);
    if (f != S.FAULT_EXCEPTION) return load<i32>(cpu, S.CPU_OFF_EXIT_REASON);
    if (vector == S.EXC_DF) break;
    // A contributory or page fault while delivering one: #DF (SDM table 6-5, simplified: any
    // fault during delivery of a fault counts as double).
    const second = load<i32>(cpu, S.CPU_OFF_EXC_VECTOR);
    if (vector == S.EXC_PF || isContributory(vector)) {
      if (second == S.EXC_PF || isContributory(second)) { vector = S.EXC_DF; error = 0; continue; }
    }
    vector = second; error = load<i32>(cpu, S.CPU_OFF_EXC_ERROR);
  }
  return S.CPU_EXIT_SHUTDOWN;
}

@inline function isContributory(v: i32): bool { return v == 0 || (v >= 10 && v <= 13); }

/** Delivers vector through the IDT/IVT. false with FAULT set when delivery itself faulted. */
export function deliverEvent(cpu: usize, vector: i32, error: i32, flags: i32): bool {
  store<i32>(cpu, 0, S.CPU_OFF_HALTED);
  if (load<i32>(cpu, S.CPU_OFF_EXC_EXIT)) {
    // Test harness: report INT n / INT3 / INTO as a trap (RIP after the instruction).
    store<i32>(cpu, vector, S.CPU_OFF_EXIT_INFO);
    store<u64>(cpu, <u64><i64>error, S.CPU_OFF_EXIT_DATA);
    exitAfter(cpu, S.CPU_EXIT_EXCEPTION);
    return true;
  }
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  if (mode == S.MODE_REAL) return deliverReal(cpu, vector);
  const long = (load<u64>(cpu, S.CPU_OFF_EFER) & 0x400) != 0;
  const ext: i32 = (flags & EV_EXT) ? 1 : 0;
  const idtErr = vector * 8 + 2 + ext;
  const size: u64 = long ? 16 : 8;
  if (<u64>vector * size + size - 1 > load<u64>(cpu, S.CPU_OFF_IDTR_LIMIT)) { raise(cpu, S.EXC_GP, idtErr); return false; }
  const gate = load<u64>(cpu, S.CPU_OFF_IDTR_BASE) + <u64>vector * size;
  const lo = sysRead<u64>(cpu, gate);
  const hi = long ? sysRead<u64>(cpu, gate + 8) : 0;
  if (aborted(cpu)) return false;
  const type = <i32>((lo >> 40) & 0x1F);
  const gateDpl = <i32>((lo >> 45) & 3);
  const cpl = load<i32>(cpu, S.CPU_OFF_CPL);
  const is32 = type == 0x0E || type == 0x0F;
  const is16 = !long && (type == 0x06 || type == 0x07);
  if (!is32 && !is16) {
    if (type == 0x05 && !long) { store<i32>(cpu, S.INTERNAL_UNSUPPORTED, S.CPU_OFF_EXIT_INFO); raise(cpu, S.EXC_GP, idtErr); return false; }
    raise(cpu, S.EXC_GP, idtErr); return false;
  }
  if ((flags & EV_SOFT) && gateDpl < cpl) { raise(cpu, S.EXC_GP, idtErr); return false; }
  if ((lo & (<u64>1 << 47)) == 0) { raise(cpu, S.EXC_NP, idtErr); return false; }
  const trap = (type & 1) != 0;
  const sel = <u32>((lo >> 16) & 0xFFFF);
  let target = (lo & 0xFFFF) | ((lo >> 32) & 0xFFFF_0000);
  if (long) target |= hi << 32;
  // Target code segment.
  if ((sel & 0xFFFC) == 0) { raise(cpu, S.EXC_GP, ext); return false; }
  const cs = readDescriptor(cpu, sel, S.EXC_GP);
  if (aborted(cpu)) return false;
  const csType = <u32>((cs >> 40) & 0x1F);
  if ((csType & 0x18) != 0x18 || descDpl(cs) > cpl) { raise(cpu, S.EXC_GP, <i32>(sel & 0xFFFC) + ext); return false; }
  if (!descPresent(cs)) { raise(cpu, S.EXC_NP, <i32>(sel & 0xFFFC) + ext); return false; }
  if (long && (cs & (<u64>1 << 53)) == 0) { raise(cpu, S.EXC_GP, <i32>(sel & 0xFFFC) + ext); return false; }
  const conforming = (csType & 4) != 0;
  const newCpl = conforming ? cpl : descDpl(cs);
  const rflags = getRflags(cpu);
  const oldSs = <u64>load<u16>(segPtr(cpu, S.SEG_SS), S.SEG_SELECTOR);
  const oldRsp = load<u64>(cpu, S.CPU_OFF_RSP);
  const oldCs = <u64>load<u16>(segPtr(cpu, S.SEG_CS), S.SEG_SELECTOR);
  const rip = load<u64>(cpu, S.CPU_OFF_RIP);
  const tss = load<u64>(segPtr(cpu, S.SEG_TR), S.SEG_BASE);
  if (long) {
    const istIdx = <i32>((lo >> 32) & 7);
    let rsp = oldRsp;
    if (istIdx != 0) rsp = sysRead<u64>(cpu, tss + 0x24 + <u64>(istIdx - 1) * 8);
    else if (newCpl < cpl) rsp = sysRead<u64>(cpu, tss + 4 + <u64>newCpl * 8);
    if (aborted(cpu)) return false;
    rsp &= ~<u64>15;
    const n: i32 = (flags & EV_ERRCODE) ? 6 : 5;
    const frame = rsp - <u64>n * 8;
    const user = load<u64>(cpu, S.CPU_OFF_TLB_USER);
    store<u64>(cpu, newCpl == 3 ? 1 : 0, S.CPU_OFF_TLB_USER);
    let p = frame;
    if (flags & EV_ERRCODE) { writeMem<u64>(cpu, p, <u64><u32>error); p += 8; }
    writeMem<u64>(cpu, p, rip); writeMem<u64>(cpu, p + 8, oldCs); writeMem<u64>(cpu, p + 16, rflags);
    writeMem<u64>(cpu, p + 24, oldRsp); writeMem<u64>(cpu, p + 32, oldSs);
    store<u64>(cpu, user, S.CPU_OFF_TLB_USER);
    if (aborted(cpu)) return false;
    if (newCpl < cpl) loadNullSeg(cpu, S.SEG_SS, <u32>newCpl);
    store<u64>(cpu, frame, S.CPU_OFF_RSP);
  } else {
    let ss = oldSs; let esp = oldRsp & 0xFFFF_FFFF;
    const w: u64 = is32 ? 4 : 2;
    const priv = newCpl < cpl;
    if (priv) {
      ss = <u64>sysRead<u16>(cpu, tss + 8 + <u64>newCpl * 8);
      esp = <u64>sysRead<u32>(cpu, tss + 4 + <u64>newCpl * 8);
      if (aborted(cpu)) return false;
      const ssd = readDescriptor(cpu, <u32>ss, S.EXC_TS);
      if (aborted(cpu)) return false;
      loadSegCache(cpu, S.SEG_SS, <u32>ss, ssd);
    }
    const ssBase = load<u64>(cpu, S.CPU_OFF_SEGBASE + <usize>S.SEG_SS * 8);
    const big = (load<u16>(segPtr(cpu, S.SEG_SS), S.SEG_ATTR) & 0x4000) != 0;
    const mask: u64 = big ? 0xFFFF_FFFF : 0xFFFF;
    let sp = esp;
    const n: u64 = (priv ? 2 : 0) + 3 + ((flags & EV_ERRCODE) ? 1 : 0);
    sp = (sp - n * w) & mask;
    let p = sp;
    const user = load<u64>(cpu, S.CPU_OFF_TLB_USER);
    store<u64>(cpu, newCpl == 3 ? 1 : 0, S.CPU_OFF_TLB_USER);
    if (flags & EV_ERRCODE) { wr(cpu, ssBase + p, <u64><u32>error, w); p = (p + w) & mask; }
    wr(cpu, ssBase + p, rip, w); p = (p + w) & mask;
    wr(cpu, ssBase + p, oldCs, w); p = (p + w) & mask;
    wr(cpu, ssBase + p, rflags, w); p = (p + w) & mask;
    if (priv) { wr(cpu, ssBase + p, oldRsp, w); p = (p + w) & mask; wr(cpu, ssBase + p, oldSs, w); }
    store<u64>(cpu, user, S.CPU_OFF_TLB_USER);
    if (aborted(cpu)) return false;
    store<u64>(cpu, big ? sp : (esp & ~mask) | sp, S.CPU_OFF_RSP);
  }
  loadSegCache(cpu, S.SEG_CS, (sel & 0xFFFC) | <u32>newCpl, cs);
  let f = rflags & ~(S.FL_TF | S.FL_NT | S.FL_RF | S.FL_VM);
  if (!trap) f &= ~S.FL_IF;
  store<i32>(cpu, 0, S.CPU_OFF_LF_OP);
  store<u64>(cpu, f, S.CPU_OFF_RFLAGS);
  store<u64>(cpu, long ? target : target & 0xFFFF_FFFF, S.CPU_OFF_RIP);
  updateMode(cpu);
  return true;
}

@inline function wr(cpu: usize, lin: u64, v: u64, w: u64): void {
  if (w == 4) writeMem<u32>(cpu, lin & 0xFFFF_FFFF, <u32>v); else writeMem<u16>(cpu, lin & 0xFFFF_FFFF, <u16>v);
}

/** Real mode: IVT entry = offset:segment; push FLAGS, CS, IP; clear IF, TF, AC. */
function deliverReal(cpu: usize, vector: i32): bool {
  const ent = load<u64>(cpu, S.CPU_OFF_IDTR_BASE) + <u64>vector * 4;
  if (<u64>vector * 4 + 3 > load<u64>(cpu, S.CPU_OFF_IDTR_LIMIT)) { raise(cpu, S.EXC_GP, 0); return false; }
  const v = sysRead<u32>(cpu, ent);
  if (aborted(cpu)) return false;
  const ssBase = load<u64>(cpu, S.CPU_OFF_SEGBASE + <usize>S.SEG_SS * 8);
  const sp = load<u64>(cpu, S.CPU_OFF_RSP);
  const f = getRflags(cpu);
  writeMem<u16>(cpu, (ssBase + ((sp - 2) & 0xFFFF)) & 0xFFFF_FFFF, <u16>f);
  writeMem<u16>(cpu, (ssBase + ((sp - 4) & 0xFFFF)) & 0xFFFF_FFFF, load<u16>(segPtr(cpu, S.SEG_CS), S.SEG_SELECTOR));
  writeMem<u16>(cpu, (ssBase + ((sp - 6) & 0xFFFF)) & 0xFFFF_FFFF, <u16>load<u64>(cpu, S.CPU_OFF_RIP));
  if (aborted(cpu)) return false;
  store<u64>(cpu, (sp & ~<u64>0xFFFF) | ((sp - 6) & 0xFFFF), S.CPU_OFF_RSP);
  store<i32>(cpu, 0, S.CPU_OFF_LF_OP);
  store<u64>(cpu, f & ~(S.FL_IF | S.FL_TF | S.FL_AC | S.FL_RF), S.CPU_OFF_RFLAGS);
  loadRealSeg(cpu, S.SEG_CS, v >> 16);
  store<u64>(cpu, <u64>(v & 0xFFFF), S.CPU_OFF_RIP);
  return true;
}
