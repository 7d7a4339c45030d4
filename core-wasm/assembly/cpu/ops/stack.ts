// cpu/ops/stack.ts — PUSH, POP, ENTER, LEAVE, PUSHA, POPA (SDM vol. 2).
import * as S from '../state';
import * as D from '../decoded';
import { aborted } from '../except';
import { readMem, writeMem, probeWrite } from '../mmu';
import { regRead, regWrite, rmOff, isMem, imm, linear, readE } from '../operand';
import { push, pop, peek, setSp, spMask, stackLimitOk } from '../stack';
import { segLinear } from '../operand';

@inline export function push_Z<T>(cpu: usize, d: usize): void { push<T>(cpu, regRead<T>(cpu, rmOff(d))); }

@inline export function pop_Z<T>(cpu: usize, d: usize): void {
  const v = pop<T>(cpu);
  if (aborted(cpu)) return;
  regWrite<T>(cpu, rmOff(d), v);
}

@inline export function push_E<T>(cpu: usize, d: usize): void {
  const v = readE<T>(cpu, d);
  if (aborted(cpu)) return;
  push<T>(cpu, v);
}

/** POP Ev: a memory destination is addressed with the incremented rSP (SDM POP). */
@inline export function pop_E<T>(cpu: usize, d: usize): void {
  const v = peek<T>(cpu, 0);
  if (aborted(cpu)) return;
  const oldSp = load<u64>(cpu, S.CPU_OFF_RSP);
  setSp(cpu, oldSp + sizeof<T>());
  if (isMem(d)) {
    writeMem<T>(cpu, linear(cpu, d), v);
    if (aborted(cpu)) store<u64>(cpu, oldSp, S.CPU_OFF_RSP);
  } else {
    regWrite<T>(cpu, rmOff(d), v);
  }
}

@inline export function push_I<T>(cpu: usize, d: usize): void { push<T>(cpu, <T>imm(d)); }

/** ENTER Iw, Ib: frame of Iw bytes, nesting level Ib mod 32 (SDM ENTER). */
export function enter<T>(cpu: usize, d: usize): void {
  const size = imm(d) & 0xFFFF;
  const level = load<u64>(d, D.D_IMM2) & 31;
  const m = spMask(cpu);
  const n = <u64>sizeof<T>();
  const rsp0 = load<u64>(cpu, S.CPU_OFF_RSP);
  const rbp0 = load<u64>(cpu, S.CPU_OFF_RBP);
  let sp = (rsp0 - n) & m;
  if (!stackLimitOk(cpu, sp, n)) return;
  writeMem<T>(cpu, segLinear(cpu, S.SEG_SS, sp), <T>rbp0);
  if (aborted(cpu)) return;
  const frame = sp;
  if (level > 0) {
    let bp = rbp0;
    for (let i: u64 = 1; i < level; i++) {
      bp = (bp - n) & m;
      if (!stackLimitOk(cpu, bp, n)) return;
      const v = readMem<T>(cpu, segLinear(cpu, S.SEG_SS, bp & m));
      if (aborted(cpu)) return;
      sp = (sp - n) & m;
      writeMem<T>(cpu, segLinear(cpu, S.SEG_SS, sp), v);
      if (aborted(cpu)) return;
    }
    sp = (sp - n) & m;
    writeMem<T>(cpu, segLinear(cpu, S.SEG_SS, sp), <T>frame);
    if (aborted(cpu)) return;
  }
  const newSp = (sp - size) & m;
  // The final stack pointer must be writable too (SDM: #SS/#PF if it is not).
  if (!probeWrite(cpu, segLinear(cpu, S.SEG_SS, newSp), 1)) return;
  regWrite<T>(cpu, S.CPU_OFF_RBP, <T>frame);
  setSp(cpu, newSp);
}

/** LEAVE: rSP = rBP, then pop rBP. */
@inline export function leave<T>(cpu: usize, d: usize): void {
  const m = spMask(cpu);
  const bp = load<u64>(cpu, S.CPU_OFF_RBP) & m;
  if (!stackLimitOk(cpu, bp, sizeof<T>())) return;
  const v = readMem<T>(cpu, segLinear(cpu, S.SEG_SS, bp));
  if (aborted(cpu)) return;
  setSp(cpu, bp + sizeof<T>());
  regWrite<T>(cpu, S.CPU_OFF_RBP, v);
}

/** PUSHA/PUSHAD: AX CX DX BX (original) SP BP SI DI. */
export function pusha<T>(cpu: usize, d: usize): void {
  const m = spMask(cpu);
  const sp0 = load<u64>(cpu, S.CPU_OFF_RSP);
  const n = <u64>sizeof<T>();
  if (!probeWrite(cpu, segLinear(cpu, S.SEG_SS, (sp0 - 8 * n) & m), <i32>(8 * n))) return;
  for (let i: u64 = 0; i < 8; i++) {
    const v = i == 4 ? <T>sp0 : regRead<T>(cpu, <usize>(i * 8));
    writeMem<T>(cpu, segLinear(cpu, S.SEG_SS, (sp0 - (i + 1) * n) & m), v);
    if (aborted(cpu)) return;
  }
  setSp(cpu, sp0 - 8 * n);
}

/** POPA/POPAD: the stored SP is skipped. */
export function popa<T>(cpu: usize, d: usize): void {
  const m = spMask(cpu);
  const sp0 = load<u64>(cpu, S.CPU_OFF_RSP);
  const n = <u64>sizeof<T>();
  // Read all eight first so a fault changes nothing.
  for (let i: u64 = 0; i < 8; i++) {
    const v = readMem<T>(cpu, segLinear(cpu, S.SEG_SS, (sp0 + i * n) & m));
    if (aborted(cpu)) return;
    if (i != 3) regWrite<T>(cpu, <usize>((7 - i) * 8) + S.CPU_OFF_POPA, v);
  }
  for (let i: usize = 0; i < 8; i++) if (i != 4) regWrite<T>(cpu, i * 8, regRead<T>(cpu, i * 8 + S.CPU_OFF_POPA));
  setSp(cpu, sp0 + 8 * n);
}
