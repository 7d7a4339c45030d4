// cpu/ops/string.ts — MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE (SDM vol. 2; vol. 1 7.3.9).
// rSI/rDI/rCX have the address size; the source segment is DS (overridable), the destination is
// always ES. Each iteration is restartable: registers advance only after its accesses succeeded,
// so a fault leaves the completed iterations done and RIP at the instruction. Long REP runs stop
// after REP_SLICE iterations with RIP at the instruction (re-executed next), which keeps the run
// loop's budget and requests responsive. REP MOVS and REP STOS going forward move whole runs of
// elements per page in bulk (cpu/ops/stringfast.ts), at most REP_SLICE_BYTES per slice, and fall
// back to one element here for what the bulk path does not take (MMIO, page-crossing elements).
import * as S from '../state';
import * as D from '../decoded';
import { aborted } from '../except';
import { setLazy, getZF, LF_SUB } from '../flags';
import { readMem, writeMem } from '../mmu';
import { regRead, regWrite, segLinear } from '../operand';
import { advanceBy, movsBulk, stosBulk } from './stringfast';

const REP_SLICE: i32 = 4096;
const REP_SLICE_BYTES: u64 = 65536; // bulk bytes per slice (a multiple of every element size)

@inline function amask(d: usize): u64 { return load<u64>(d, D.D_AMASK); }
@inline function stepOf<T>(cpu: usize): u64 {
  return (load<u64>(cpu, S.CPU_OFF_RFLAGS) & S.FL_DF) ? <u64>(-<i64>sizeof<T>()) : <u64>sizeof<T>();
}
@inline function src(cpu: usize, d: usize, m: u64): u64 {
  return segLinear(cpu, <i32>load<u8>(d, D.D_SEG), load<u64>(cpu, S.CPU_OFF_RSI) & m);
}
@inline function dst(cpu: usize, m: u64): u64 {
  return segLinear(cpu, S.SEG_ES, load<u64>(cpu, S.CPU_OFF_RDI) & m);
}

/** kind: 0 MOVS, 1 CMPS, 2 STOS, 3 LODS, 4 SCAS. One iteration; false if it faulted. */
@inline function iter<T>(cpu: usize, d: usize, kind: i32, m: u64, step: u64): bool {
  if (kind == 0) {
    const v = readMem<T>(cpu, src(cpu, d, m)); if (aborted(cpu)) return false;
    writeMem<T>(cpu, dst(cpu, m), v); if (aborted(cpu)) return false;
    advanceBy(cpu, S.CPU_OFF_RSI, m, step); advanceBy(cpu, S.CPU_OFF_RDI, m, step);
  } else if (kind == 1) {
    const a = readMem<T>(cpu, src(cpu, d, m)); if (aborted(cpu)) return false;
    const b = readMem<T>(cpu, dst(cpu, m)); if (aborted(cpu)) return false;
    setLazy<T>(cpu, LF_SUB, a, b, a - b);
    advanceBy(cpu, S.CPU_OFF_RSI, m, step); advanceBy(cpu, S.CPU_OFF_RDI, m, step);
  } else if (kind == 2) {
    writeMem<T>(cpu, dst(cpu, m), regRead<T>(cpu, S.CPU_OFF_RAX)); if (aborted(cpu)) return false;
    advanceBy(cpu, S.CPU_OFF_RDI, m, step);
  } else if (kind == 3) {
    const v = readMem<T>(cpu, src(cpu, d, m)); if (aborted(cpu)) return false;
    regWrite<T>(cpu, S.CPU_OFF_RAX, v);
    advanceBy(cpu, S.CPU_OFF_RSI, m, step);
  } else {
    const b = readMem<T>(cpu, dst(cpu, m)); if (aborted(cpu)) return false;
    const a = regRead<T>(cpu, S.CPU_OFF_RAX);
    setLazy<T>(cpu, LF_SUB, a, b, a - b);
    advanceBy(cpu, S.CPU_OFF_RDI, m, step);
  }
  return true;
}

@inline function str<T>(cpu: usize, d: usize, kind: i32): void {
  const m = amask(d);
  const step = stepOf<T>(cpu);
  const pfx = load<u8>(d, D.D_PFX);
  if ((pfx & (D.P_REP | D.P_REPNE)) == 0) { iter<T>(cpu, d, kind, m, step); return; }
  const cond = kind == 1 || kind == 4;
  const whileEqual = (pfx & D.P_REP) != 0;
  const bulk = (kind == 0 || kind == 2) && step == <u64>sizeof<T>();
  let bytesLeft = REP_SLICE_BYTES;
  for (let i = 0; i < REP_SLICE; i++) {
    const rcx = load<u64>(cpu, S.CPU_OFF_RCX);
    if ((rcx & m) == 0) return;
    if (bulk) {
      const k = kind == 0
        ? movsBulk(cpu, <i32>load<u8>(d, D.D_SEG), m, rcx & m, sizeof<T>(), bytesLeft)
        : stosBulk(cpu, m, rcx & m, sizeof<T>(), bytesLeft);
      if (k != 0) {
        bytesLeft -= k * sizeof<T>();
        if (load<i32>(cpu, S.CPU_OFF_FAULT) != 0 || bytesLeft == 0) break; // into the running block, or the slice is done
        continue;
      }
      if (aborted(cpu)) return;
    }
    if (!iter<T>(cpu, d, kind, m, step)) return;
    advanceBy(cpu, S.CPU_OFF_RCX, m, <u64>-1);
    if (load<i32>(cpu, S.CPU_OFF_FAULT) != 0) break; // an MMIO write exit: stop after this iteration
    if (cond && (getZF(cpu) != 0) != whileEqual) return;
  }
  if ((load<u64>(cpu, S.CPU_OFF_RCX) & m) != 0) store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_INSN_RIP), S.CPU_OFF_RIP);
}

@inline export function movs<T>(cpu: usize, d: usize): void { str<T>(cpu, d, 0); }
@inline export function cmps<T>(cpu: usize, d: usize): void { str<T>(cpu, d, 1); }
@inline export function stos<T>(cpu: usize, d: usize): void { str<T>(cpu, d, 2); }
@inline export function lods<T>(cpu: usize, d: usize): void { str<T>(cpu, d, 3); }
@inline export function scas<T>(cpu: usize, d: usize): void { str<T>(cpu, d, 4); }
