// cpu/ops/farxfer.ts — far JMP, far CALL and far RET (SDM vol. 2 "JMP", "CALL", "RET"; vol. 3A
// 5.8 privilege-level checks for transfers between code segments, 5.8.3-5.8.6 call gates and the
// stack switch, 5.8.3.1 IA-32e mode call gates). Real and virtual-8086 mode load CS as
// selector << 4. Protected mode: a direct transfer to a code segment keeps CPL; a call gate may
// call inward (stack from the TSS, parameters copied for 16/32-bit gates); RETF may return
// outward (pops SS:rSP, nulls data segments the outer level may not use). Task gates and TSS
// selectors (task switches) are not implemented: an internal error names them.
// Invariant: every check and every stack write happens before the first register changes, so a
// fault restarts the instruction cleanly.
import * as S from '../state';
import * as D from '../decoded';
import { raise, aborted, internalError } from '../except';
import { readMem, writeMem } from '../mmu';
import { imm, linear, segLinear } from '../operand';
import { spMask, setSp, stackLimitOk } from '../stack';
import { readDescriptor, loadSegCache, loadRealSeg, loadNullSeg, loadDataSeg, descDpl, descPresent, descLimit, segPtr, sysRead } from '../segment';
import { nullOuterDataSegs } from './far';

const DESC_L: u64 = <u64>1 << 53;
const DESC_DB: u64 = <u64>1 << 54;

@inline function csSelector(cpu: usize): u64 { return <u64>load<u16>(segPtr(cpu, S.SEG_CS), S.SEG_SELECTOR); }
@inline function longMode(cpu: usize): bool { return (load<u64>(cpu, S.CPU_OFF_EFER) & 0x400) != 0; }
@inline function canonical(v: u64): bool { return (<i64>(v << 16) >> 16) == <i64>v; }

/** Writes the low w bytes of v at lin. */
function writeW(cpu: usize, lin: u64, v: u64, w: u64): void {
  if (w == 8) writeMem<u64>(cpu, lin, v);
  else if (w == 4) writeMem<u32>(cpu, lin, <u32>v);
  else writeMem<u16>(cpu, lin, <u16>v);
}

function readW(cpu: usize, lin: u64, w: u64): u64 {
  if (w == 8) return readMem<u64>(cpu, lin);
  if (w == 4) return <u64>readMem<u32>(cpu, lin);
  return <u64>readMem<u16>(cpu, lin);
}

/** Pushes CS then the return RIP (w bytes each) on the current stack; false if it faulted. */
function pushReturn(cpu: usize, w: u64): bool {
  const m = spMask(cpu);
  const sp = (load<u64>(cpu, S.CPU_OFF_RSP) - 2 * w) & m;
  if (!stackLimitOk(cpu, sp, 2 * w)) return false;
  writeW(cpu, segLinear(cpu, S.SEG_SS, (sp + w) & m), csSelector(cpu), w);
  writeW(cpu, segLinear(cpu, S.SEG_SS, sp), load<u64>(cpu, S.CPU_OFF_RIP), w);
  if (aborted(cpu)) return false;
  setSp(cpu, sp);
  return true;
}

/** The offset check of a target: canonical for 64-bit code, else within the limit (#GP(0)). */
function targetOk(cpu: usize, desc: u64, off: u64): bool {
  const ok = longMode(cpu) && (desc & DESC_L) != 0 ? canonical(off) : off <= <u64>descLimit(desc);
  if (!ok) raise(cpu, S.EXC_GP, 0);
  return ok;
}

/** Loads CS (RPL forced to `cpl`) and RIP (the offset is already checked and truncated). */
function enterCode(cpu: usize, sel: u32, cpl: i32, desc: u64, off: u64): void {
  loadSegCache(cpu, S.SEG_CS, (sel & 0xFFFC) | <u32>cpl, desc);
  store<u64>(cpu, off, S.CPU_OFF_RIP);
}

/** Real/VM86 mode: CS = selector << 4, IP/EIP = offset (a CALL pushes CS:IP first). */
function farReal(cpu: usize, sel: u32, off: u64, w: u64, call: bool): void {
  if (off > <u64>load<u32>(segPtr(cpu, S.SEG_CS), S.SEG_LIMIT)) { raise(cpu, S.EXC_GP, 0); return; }
  if (call && !pushReturn(cpu, w)) return;
  loadRealSeg(cpu, S.SEG_CS, sel);
  store<u64>(cpu, off, S.CPU_OFF_RIP);
}

/** JMP/CALL ptr: the common path of the four far forms (w = operand size in bytes). */
function farTransfer(cpu: usize, sel: u32, off: u64, w: u64, call: bool): void {
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  if (w < 8) off &= w == 4 ? 0xFFFF_FFFF : 0xFFFF;
  if (mode == S.MODE_REAL || mode == S.MODE_VM86) { farReal(cpu, sel, off, w, call); return; }
  if ((sel & 0xFFFC) == 0) { raise(cpu, S.EXC_GP, 0); return; }
  const desc = readDescriptor(cpu, sel, S.EXC_GP);
  if (aborted(cpu)) return;
  const cpl = load<i32>(cpu, S.CPU_OFF_CPL);
  const type = <u32>((desc >> 40) & 0x1F);
  const err = <i32>(sel & 0xFFFC);
  if ((type & 0x10) != 0) {
    // A code segment: conforming needs DPL <= CPL; non-conforming RPL <= CPL and DPL == CPL.
    const conforming = (type & 4) != 0;
    if ((type & 8) == 0 || (conforming ? descDpl(desc) > cpl : (<i32>(sel & 3) > cpl || descDpl(desc) != cpl))) { raise(cpu, S.EXC_GP, err); return; }
    if (!descPresent(desc)) { raise(cpu, S.EXC_NP, err); return; }
    if (longMode(cpu) && (desc & DESC_L) != 0 && (desc & DESC_DB) != 0) { raise(cpu, S.EXC_GP, err); return; }
    if (!targetOk(cpu, desc, off)) return;
    if (call && !pushReturn(cpu, w)) return;
    enterCode(cpu, sel, cpl, desc, off);
    return;
  }
  viaGate(cpu, sel, desc, type, cpl, call);
}

/** Through a call gate (16/32-bit; the 16-byte 64-bit gate in IA-32e mode). */
function viaGate(cpu: usize, sel: u32, gate: u64, type: u32, cpl: i32, call: bool): void {
  const err = <i32>(sel & 0xFFFC);
  const long = longMode(cpu);
  if (type == 0x05 || type == 0x09 || type == 0x01 || type == 0x0B || type == 0x03) {
    internalError(cpu, S.INTERNAL_UNSUPPORTED); // task gate or TSS: a task switch
    return;
  }
  if (long ? type != 0x0C : type != 0x0C && type != 0x04) { raise(cpu, S.EXC_GP, err); return; }
  if (descDpl(gate) < cpl || descDpl(gate) < <i32>(sel & 3)) { raise(cpu, S.EXC_GP, err); return; }
  if (!descPresent(gate)) { raise(cpu, S.EXC_NP, err); return; }
  let off = (gate & 0xFFFF) | ((gate >> 32) & 0xFFFF_0000);
  if (long) {
    const hi = readDescriptor(cpu, sel + 8, S.EXC_GP); // the gate's upper 8 bytes: the next slot
    if (aborted(cpu)) return;
    if (((hi >> 40) & 0x1F) != 0) { raise(cpu, S.EXC_GP, err); return; }
    off |= hi << 32;
  }
  const w: u64 = long ? 8 : type == 0x0C ? 4 : 2;
  if (w == 2) off &= 0xFFFF;
  const tsel = <u32>((gate >> 16) & 0xFFFF);
  if ((tsel & 0xFFFC) == 0) { raise(cpu, S.EXC_GP, 0); return; }
  const code = readDescriptor(cpu, tsel, S.EXC_GP);
  if (aborted(cpu)) return;
  const terr = <i32>(tsel & 0xFFFC);
  const ctype = <u32>((code >> 40) & 0x1F);
  const dpl = descDpl(code);
  const conforming = (ctype & 4) != 0;
  if ((ctype & 0x18) != 0x18 || dpl > cpl || (!call && !conforming && dpl != cpl)) { raise(cpu, S.EXC_GP, terr); return; }
  if (!descPresent(code)) { raise(cpu, S.EXC_NP, terr); return; }
  if (long && ((code & DESC_L) == 0 || (code & DESC_DB) != 0)) { raise(cpu, S.EXC_GP, terr); return; }
  if (!targetOk(cpu, code, off)) return;
  if (call && !conforming && dpl < cpl) { callInner(cpu, gate, tsel, code, off, w, dpl); return; }
  if (call && !pushReturn(cpu, w)) return;
  enterCode(cpu, tsel, cpl, code, off);
}

/** CALL through a gate to a more privileged level: the new stack comes from the TSS. */
function callInner(cpu: usize, gate: u64, tsel: u32, code: u64, off: u64, w: u64, dpl: i32): void {
  const tss = load<u64>(segPtr(cpu, S.SEG_TR), S.SEG_BASE);
  const oldSs = <u64>load<u16>(segPtr(cpu, S.SEG_SS), S.SEG_SELECTOR);
  const oldSp = load<u64>(cpu, S.CPU_OFF_RSP);
  const user = load<u64>(cpu, S.CPU_OFF_TLB_USER);
  if (w == 8) {
    const rsp = sysRead<u64>(cpu, tss + 4 + <u64>dpl * 8);
    if (aborted(cpu)) return;
    if (!canonical(rsp)) { raise(cpu, S.EXC_SS, 0); return; }
    const sp = rsp - 32; // no 16-byte alignment for call gates (unlike interrupts)
    store<u64>(cpu, dpl == 3 ? 1 : 0, S.CPU_OFF_TLB_USER);
    writeMem<u64>(cpu, sp + 24, oldSs); writeMem<u64>(cpu, sp + 16, oldSp);
    writeMem<u64>(cpu, sp + 8, csSelector(cpu)); writeMem<u64>(cpu, sp, load<u64>(cpu, S.CPU_OFF_RIP));
    store<u64>(cpu, user, S.CPU_OFF_TLB_USER);
    if (aborted(cpu)) return;
    loadNullSeg(cpu, S.SEG_SS, <u32>dpl);
    store<u64>(cpu, sp, S.CPU_OFF_RSP);
    enterCode(cpu, tsel, dpl, code, off);
    return;
  }
  // 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n.
  const ssSel = <u32>sysRead<u16>(cpu, tss + 8 + <u64>dpl * 8);
  const esp = <u64>sysRead<u32>(cpu, tss + 4 + <u64>dpl * 8);
  if (aborted(cpu)) return;
  const ssErr = <i32>(ssSel & 0xFFFC);
  if ((ssSel & 0xFFFC) == 0) { raise(cpu, S.EXC_TS, 0); return; }
  const ssd = readDescriptor(cpu, ssSel, S.EXC_TS);
  if (aborted(cpu)) return;
  if (<i32>(ssSel & 3) != dpl || descDpl(ssd) != dpl || ((ssd >> 40) & 0x1A) != 0x12) { raise(cpu, S.EXC_TS, ssErr); return; }
  if (!descPresent(ssd)) { raise(cpu, S.EXC_SS, ssErr); return; }
  const params = <u64>((gate >> 32) & 0x1F);
  const newBase = (ssd >> 16) & 0xFF_FFFF | (((ssd >> 56) & 0xFF) << 24);
  const newMask: u64 = (ssd & DESC_DB) != 0 ? 0xFFFF_FFFF : 0xFFFF;
  const frame = (esp - (4 + params) * w) & newMask;
  // Parameters are read from the old stack at the old privilege, written at the new one.
  const oldMask = spMask(cpu);
  store<u64>(cpu, <u64>(dpl == 3 ? 1 : 0), S.CPU_OFF_TLB_USER);
  writeW(cpu, (newBase + ((frame + (3 + params) * w) & newMask)) & 0xFFFF_FFFF, oldSs, w);
  writeW(cpu, (newBase + ((frame + (2 + params) * w) & newMask)) & 0xFFFF_FFFF, oldSp, w);
  for (let i: u64 = 0; i < params && !aborted(cpu); i++) {
    store<u64>(cpu, user, S.CPU_OFF_TLB_USER);
    const v = readW(cpu, segLinear(cpu, S.SEG_SS, (oldSp + i * w) & oldMask), w);
    store<u64>(cpu, <u64>(dpl == 3 ? 1 : 0), S.CPU_OFF_TLB_USER);
    if (!aborted(cpu)) writeW(cpu, (newBase + ((frame + (2 + i) * w) & newMask)) & 0xFFFF_FFFF, v, w);
  }
  writeW(cpu, (newBase + ((frame + w) & newMask)) & 0xFFFF_FFFF, csSelector(cpu), w);
  writeW(cpu, (newBase + frame) & 0xFFFF_FFFF, load<u64>(cpu, S.CPU_OFF_RIP), w);
  store<u64>(cpu, user, S.CPU_OFF_TLB_USER);
  if (aborted(cpu)) return;
  loadSegCache(cpu, S.SEG_SS, ssSel, ssd);
  store<u64>(cpu, newMask == 0xFFFF ? (esp & ~<u64>0xFFFF) | frame : frame, S.CPU_OFF_RSP);
  enterCode(cpu, tsel, dpl, code, off);
}

// ---- the instruction forms ----

export function jmpf_A<T>(cpu: usize, d: usize): void {
  farTransfer(cpu, <u32>(load<u64>(d, D.D_IMM2) & 0xFFFF), imm(d), sizeof<T>(), false);
}

export function callf_A<T>(cpu: usize, d: usize): void {
  farTransfer(cpu, <u32>(load<u64>(d, D.D_IMM2) & 0xFFFF), imm(d), sizeof<T>(), true);
}

/** m16:16/32/64: the offset first, the selector after it. */
function farPointer<T>(cpu: usize, d: usize, call: bool): void {
  const lin = linear(cpu, d);
  const off = <u64>readMem<T>(cpu, lin);
  const sel = <u32>readMem<u16>(cpu, lin + sizeof<T>());
  if (aborted(cpu)) return;
  farTransfer(cpu, sel, off, sizeof<T>(), call);
}

export function jmpf_M<T>(cpu: usize, d: usize): void { farPointer<T>(cpu, d, false); }
export function callf_M<T>(cpu: usize, d: usize): void { farPointer<T>(cpu, d, true); }

/** RETF / RETF imm16: same privilege, or outward with SS:rSP popped after the parameters. */
export function retf<T>(cpu: usize, d: usize): void {
  const w = <u64>sizeof<T>();
  const extra = (load<u8>(d, D.D_OPCODE) == 0xCA) ? imm(d) & 0xFFFF : 0;
  const m = spMask(cpu);
  const sp = load<u64>(cpu, S.CPU_OFF_RSP);
  if (!stackLimitOk(cpu, sp & m, 2 * w)) return;
  const off = readW(cpu, segLinear(cpu, S.SEG_SS, sp & m), w);
  const sel = <u32>(readW(cpu, segLinear(cpu, S.SEG_SS, (sp + w) & m), w) & 0xFFFF);
  if (aborted(cpu)) return;
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  if (mode == S.MODE_REAL || mode == S.MODE_VM86) {
    if (off > <u64>load<u32>(segPtr(cpu, S.SEG_CS), S.SEG_LIMIT)) { raise(cpu, S.EXC_GP, 0); return; }
    setSp(cpu, sp + 2 * w + extra);
    loadRealSeg(cpu, S.SEG_CS, sel);
    store<u64>(cpu, off, S.CPU_OFF_RIP);
    return;
  }
  if ((sel & 0xFFFC) == 0) { raise(cpu, S.EXC_GP, 0); return; }
  const desc = readDescriptor(cpu, sel, S.EXC_GP);
  if (aborted(cpu)) return;
  const cpl = load<i32>(cpu, S.CPU_OFF_CPL);
  const rpl = <i32>(sel & 3);
  const type = <u32>((desc >> 40) & 0x1F);
  const err = <i32>(sel & 0xFFFC);
  const conforming = (type & 4) != 0;
  if ((type & 0x18) != 0x18 || rpl < cpl || (conforming ? descDpl(desc) > rpl : descDpl(desc) != rpl)) { raise(cpu, S.EXC_GP, err); return; }
  if (!descPresent(desc)) { raise(cpu, S.EXC_NP, err); return; }
  if (rpl == cpl) {
    if (!targetOk(cpu, desc, off)) return;
    setSp(cpu, sp + 2 * w + extra);
    enterCode(cpu, sel, cpl, desc, off);
    return;
  }
  // Outward: SS:rSP sit above the parameters.
  const at = sp + 2 * w + extra;
  const newSp = readW(cpu, segLinear(cpu, S.SEG_SS, at & m), w);
  const ssSel = <u32>(readW(cpu, segLinear(cpu, S.SEG_SS, (at + w) & m), w) & 0xFFFF);
  if (aborted(cpu)) return;
  if (!targetOk(cpu, desc, off)) return;
  const to64 = longMode(cpu) && (desc & DESC_L) != 0;
  if ((ssSel & 0xFFFC) == 0 && !(to64 && rpl != 3)) { raise(cpu, S.EXC_GP, 0); return; }
  // SS is checked at the new privilege level (RPL): CPL is lowered for the load and restored
  // if it fails (a failed load changes nothing else).
  if ((ssSel & 0xFFFC) == 0) loadNullSeg(cpu, S.SEG_SS, ssSel);
  else {
    store<i32>(cpu, rpl, S.CPU_OFF_CPL);
    const ok = loadDataSeg(cpu, S.SEG_SS, ssSel);
    store<i32>(cpu, cpl, S.CPU_OFF_CPL);
    if (!ok) return;
  }
  enterCode(cpu, sel, rpl, desc, off);
  store<u64>(cpu, newSp + extra, S.CPU_OFF_RSP);
  nullOuterDataSegs(cpu, rpl);
}
