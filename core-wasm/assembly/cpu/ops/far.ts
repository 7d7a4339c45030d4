// cpu/ops/far.ts — INT n, INT3, INT1, INTO, IRET, SYSCALL/SYSRET, SWAPGS (SDM vol. 2; vol. 3A
// 5.8.8 fast system calls, 6.14.4 IRET in IA-32e mode). Far CALL/JMP/RET: ops/farxfer.ts.
import * as S from '../state';
import * as D from '../decoded';
import { raise, aborted } from '../except';
import { getCF, getOF, getRflags } from '../flags';
import { deliverEvent, EV_SOFT } from '../interrupt';
import { imm } from '../operand';
import { peek, setSp } from '../stack';
import { readDescriptor, loadSegCache, loadDataSeg, loadRealSeg, loadNullSeg, descDpl, descPresent, segPtr } from '../segment';
import { updateMode } from '../mode';

@inline export function int_I<T>(cpu: usize, d: usize): void { deliverEvent(cpu, <i32>(imm(d) & 0xFF), -1, EV_SOFT); }
@inline export function int3<T>(cpu: usize, d: usize): void { deliverEvent(cpu, S.EXC_BP, -1, EV_SOFT); }
@inline export function int1<T>(cpu: usize, d: usize): void { deliverEvent(cpu, S.EXC_DB, -1, 0); }
@inline export function into<T>(cpu: usize, d: usize): void { if (getOF(cpu)) deliverEvent(cpu, S.EXC_OF, -1, EV_SOFT); }

const IRET_MASK: u64 = S.FL_ARITH | S.FL_TF | S.FL_DF | S.FL_NT | S.FL_AC | S.FL_ID | S.FL_RF;

/** The new RFLAGS of IRET/POPF-like loads at privilege cpl. */
function iretFlags(cpu: usize, v: u64, cpl: i32, size: i32): u64 {
  const old = getRflags(cpu);
  let mask = IRET_MASK;
  const iopl = <i32>((old >> 12) & 3);
  if (cpl == 0) mask |= S.FL_IOPL | S.FL_VIF | S.FL_VIP;
  if (cpl <= iopl) mask |= S.FL_IF;
  if (size == 2) mask &= 0xFFFF;
  return ((old & ~mask) | (v & mask)) | 2;
}

/** IRET/IRETD/IRETQ: real mode, protected mode (same or outer privilege), IA-32e (always pops SS:RSP in 64-bit mode). */
export function iret<T>(cpu: usize, d: usize): void {
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  const n = <u64>sizeof<T>();
  const rip = <u64>peek<T>(cpu, 0);
  const csSel = <u32>(<u64>peek<T>(cpu, n) & 0xFFFF);
  const fl = <u64>peek<T>(cpu, 2 * n);
  if (aborted(cpu)) return;
  if (mode == S.MODE_REAL) {
    setSp(cpu, load<u64>(cpu, S.CPU_OFF_RSP) + 3 * n);
    loadRealSeg(cpu, S.SEG_CS, csSel);
    store<u64>(cpu, rip, S.CPU_OFF_RIP);
    store<i32>(cpu, 0, S.CPU_OFF_LF_OP);
    store<u64>(cpu, iretFlags(cpu, fl, 0, <i32>n), S.CPU_OFF_RFLAGS);
    return;
  }
  const long = (load<u64>(cpu, S.CPU_OFF_EFER) & 0x400) != 0;
  if (!long && (getRflags(cpu) & S.FL_NT)) { store<i32>(cpu, S.INTERNAL_UNSUPPORTED, S.CPU_OFF_EXIT_INFO); raise(cpu, S.EXC_GP, 0); return; }
  const cpl = load<i32>(cpu, S.CPU_OFF_CPL);
  const rpl = <i32>(csSel & 3);
  if ((csSel & 0xFFFC) == 0) { raise(cpu, S.EXC_GP, 0); return; }
  const cs = readDescriptor(cpu, csSel, S.EXC_GP);
  if (aborted(cpu)) return;
  const type = <u32>((cs >> 40) & 0x1F);
  if ((type & 0x18) != 0x18 || rpl < cpl || ((type & 4) == 0 && descDpl(cs) != rpl)) { raise(cpu, S.EXC_GP, <i32>(csSel & 0xFFFC)); return; }
  if (!descPresent(cs)) { raise(cpu, S.EXC_NP, <i32>(csSel & 0xFFFC)); return; }
  const outer = rpl > cpl || mode == S.MODE_LONG64;
  let newRsp: u64 = 0; let ssSel: u32 = 0;
  if (outer) {
    newRsp = <u64>peek<T>(cpu, 3 * n);
    ssSel = <u32>(<u64>peek<T>(cpu, 4 * n) & 0xFFFF);
    if (aborted(cpu)) return;
  }
  const newFlags = iretFlags(cpu, fl, cpl, <i32>n);
  if (!outer) setSp(cpu, load<u64>(cpu, S.CPU_OFF_RSP) + 3 * n);
  loadSegCache(cpu, S.SEG_CS, csSel, cs);
  store<i32>(cpu, 0, S.CPU_OFF_LF_OP);
  store<u64>(cpu, newFlags, S.CPU_OFF_RFLAGS);
  updateMode(cpu);
  store<u64>(cpu, rip, S.CPU_OFF_RIP);
  if (outer) {
    if ((ssSel & 0xFFFC) == 0 && long && rpl != 3) loadNullSeg(cpu, S.SEG_SS, ssSel);
    else if (!loadDataSeg(cpu, S.SEG_SS, ssSel)) return;
    store<u64>(cpu, newRsp, S.CPU_OFF_RSP);
    if (rpl > cpl) nullOuterDataSegs(cpu, rpl);
  }
}

/**
 * After a return to outer level `rpl`: data segments it may not use become null (SDM IRET, RET:
 * "SegmentSelector <- 0", the register becomes unusable). Only the selector and the access
 * rights change: the hidden base stays, which is what 64-bit code sees through FS and GS (a
 * user thread's TLS base survives the kernel's IRET with null FS/GS selectors).
 */
export function nullOuterDataSegs(cpu: usize, rpl: i32): void {
  for (let s = 0; s < 6; s++) {
    if (s == S.SEG_CS || s == S.SEG_SS) continue;
    const p = segPtr(cpu, s);
    const a = load<u16>(p, S.SEG_ATTR);
    const dataOrNonConf = (a & 0x8) == 0 || (a & 0x4) == 0;
    if (dataOrNonConf && <i32>((a >> 5) & 3) < rpl) {
      store<u16>(p, 0, S.SEG_SELECTOR);
      store<u16>(p, 0, S.SEG_ATTR);
    }
  }
}

/** SYSCALL (64-bit): RCX = RIP, R11 = RFLAGS, CS/SS from STAR[47:32], RIP = LSTAR, RFLAGS &= ~SFMASK. */
export function syscall<T>(cpu: usize, d: usize): void {
  const efer = load<u64>(cpu, S.CPU_OFF_EFER);
  if ((efer & 1) == 0 || (efer & 0x400) == 0) { raise(cpu, S.EXC_UD, -1); return; }
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  const f = getRflags(cpu);
  store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_RIP), S.CPU_OFF_RCX);
  store<u64>(cpu, f & ~S.FL_RF, S.CPU_OFF_R8 + 3 * 8);
  const sel = <u32>((load<u64>(cpu, S.CPU_OFF_STAR) >> 32) & 0xFFFC);
  flatSeg(cpu, S.SEG_CS, sel, 0x209B);
  flatSeg(cpu, S.SEG_SS, sel + 8, 0xC093);
  store<i32>(cpu, 0, S.CPU_OFF_LF_OP);
  store<u64>(cpu, (f & ~load<u64>(cpu, S.CPU_OFF_SFMASK) & ~S.FL_RF) | 2, S.CPU_OFF_RFLAGS);
  store<u64>(cpu, mode == S.MODE_LONG64 ? load<u64>(cpu, S.CPU_OFF_LSTAR) : load<u64>(cpu, S.CPU_OFF_CSTAR), S.CPU_OFF_RIP);
  updateMode(cpu);
}

/** SYSRET: back to CPL 3; REX.W = 64-bit code (CS = STAR[63:48] + 16), else compatibility (CS = STAR[63:48]). */
export function sysret<T>(cpu: usize, d: usize): void {
  const efer = load<u64>(cpu, S.CPU_OFF_EFER);
  if ((efer & 1) == 0) { raise(cpu, S.EXC_UD, -1); return; }
  if (load<i32>(cpu, S.CPU_OFF_CPL) != 0) { raise(cpu, S.EXC_GP, 0); return; } // hardware checks CPL before the mode
  if (load<i32>(cpu, S.CPU_OFF_MODE) != S.MODE_LONG64) { raise(cpu, S.EXC_UD, -1); return; }
  const w = (load<u8>(d, D.D_REX) & 8) != 0;
  const rcx = load<u64>(cpu, S.CPU_OFF_RCX);
  if (w && (<i64>(rcx << 16) >> 16) != <i64>rcx) { raise(cpu, S.EXC_GP, 0); return; }
  const base = <u32>((load<u64>(cpu, S.CPU_OFF_STAR) >> 48) & 0xFFFF);
  flatSeg(cpu, S.SEG_CS, (w ? base + 16 : base) | 3, w ? 0x20FB : 0xC0FB);
  flatSeg(cpu, S.SEG_SS, (base + 8) | 3, 0xC0F3);
  store<i32>(cpu, 0, S.CPU_OFF_LF_OP);
  store<u64>(cpu, (load<u64>(cpu, S.CPU_OFF_R8 + 3 * 8) & ~(S.FL_RF | S.FL_VM)) | 2, S.CPU_OFF_RFLAGS);
  store<u64>(cpu, w ? rcx : rcx & 0xFFFF_FFFF, S.CPU_OFF_RIP);
  updateMode(cpu);
}

/** The fixed flat segment SYSCALL/SYSRET/SYSENTER load (no descriptor read, SDM 5.8.8). */
function flatSeg(cpu: usize, seg: i32, sel: u32, attr: u16): void {
  const p = segPtr(cpu, seg);
  store<u16>(p, <u16>sel, S.SEG_SELECTOR);
  store<u16>(p, attr, S.SEG_ATTR);
  store<u32>(p, 0xFFFF_FFFF, S.SEG_LIMIT);
  store<u64>(p, 0, S.SEG_BASE);
}

/** SWAPGS: exchange GS.base and IA32_KERNEL_GS_BASE (CPL 0, 64-bit mode). */
export function swapgs<T>(cpu: usize, d: usize): void {
  if (load<i32>(cpu, S.CPU_OFF_CPL) != 0) { raise(cpu, S.EXC_GP, 0); return; }
  const p = segPtr(cpu, S.SEG_GS);
  const g = load<u64>(p, S.SEG_BASE);
  store<u64>(p, load<u64>(cpu, S.CPU_OFF_KERNEL_GS_BASE), S.SEG_BASE);
  store<u64>(cpu, g, S.CPU_OFF_KERNEL_GS_BASE);
  updateMode(cpu);
}

/** SYSENTER (SDM vol. 2; 5.8.7): to CPL 0 at IA32_SYSENTER_CS:EIP with SS = CS + 8, flat. */
export function sysenter<T>(cpu: usize, d: usize): void {
  const sel = <u32>(load<u64>(cpu, S.CPU_OFF_SYSENTER_CS) & 0xFFFC);
  if (load<i32>(cpu, S.CPU_OFF_MODE) == S.MODE_REAL || sel == 0) { raise(cpu, S.EXC_GP, 0); return; }
  const long = (load<u64>(cpu, S.CPU_OFF_EFER) & 0x400) != 0;
  store<i32>(cpu, 0, S.CPU_OFF_LF_OP);
  store<u64>(cpu, (getRflags(cpu) & ~(S.FL_VM | S.FL_IF | S.FL_RF)) | 2, S.CPU_OFF_RFLAGS);
  flatSeg(cpu, S.SEG_CS, sel, long ? 0xA09B : 0xC09B);
  flatSeg(cpu, S.SEG_SS, sel + 8, 0xC093);
  const esp = load<u64>(cpu, S.CPU_OFF_SYSENTER_ESP); const eip = load<u64>(cpu, S.CPU_OFF_SYSENTER_EIP);
  store<u64>(cpu, long ? esp : esp & 0xFFFF_FFFF, S.CPU_OFF_RSP);
  store<u64>(cpu, long ? eip : eip & 0xFFFF_FFFF, S.CPU_OFF_RIP);
  updateMode(cpu);
}

/** SYSEXIT: to CPL 3; REX.W = 64-bit code at SYSENTER_CS + 32 (RIP = RDX, RSP = RCX), else + 16. */
export function sysexit<T>(cpu: usize, d: usize): void {
  const base = <u32>(load<u64>(cpu, S.CPU_OFF_SYSENTER_CS) & 0xFFFC);
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  if (mode == S.MODE_REAL || mode == S.MODE_VM86 || base == 0 || load<i32>(cpu, S.CPU_OFF_CPL) != 0) { raise(cpu, S.EXC_GP, 0); return; }
  const w = mode == S.MODE_LONG64 && (load<u8>(d, D.D_REX) & 8) != 0;
  const rip = load<u64>(cpu, S.CPU_OFF_RDX); const rsp = load<u64>(cpu, S.CPU_OFF_RCX);
  if (w && ((<i64>(rip << 16) >> 16) != <i64>rip || (<i64>(rsp << 16) >> 16) != <i64>rsp)) { raise(cpu, S.EXC_GP, 0); return; }
  flatSeg(cpu, S.SEG_CS, (w ? base + 32 : base + 16) | 3, w ? 0xA0FB : 0xC0FB);
  flatSeg(cpu, S.SEG_SS, (w ? base + 40 : base + 24) | 3, 0xC0F3);
  store<u64>(cpu, w ? rsp : rsp & 0xFFFF_FFFF, S.CPU_OFF_RSP);
  store<u64>(cpu, w ? rip : rip & 0xFFFF_FFFF, S.CPU_OFF_RIP);
  updateMode(cpu);
}
