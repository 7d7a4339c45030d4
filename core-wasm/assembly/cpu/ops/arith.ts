// cpu/ops/arith.ts — ADD OR ADC SBB AND SUB XOR CMP, TEST, NOT, NEG, INC, DEC (SDM vol. 2).
// Flags are lazy (cpu/flags.ts) and are set only after the destination write succeeded, so a
// faulting instruction restarts with its original flags.
import * as D from '../decoded';
import { aborted } from '../except';
import { getCF, setLazy, setLazyCarry, setLazyIncDec, LF_ADD, LF_SUB, LF_ADC, LF_SBB, LF_LOGIC, LF_INC, LF_DEC } from '../flags';
import { readMem, writeMem } from '../mmu';
import { regRead, regWrite, gOff, rmOff, isMem, imm, linear } from '../operand';
import { CPU_OFF_RAX } from '../state';

export const ALU_ADD: i32 = 0;
export const ALU_OR: i32 = 1;
export const ALU_ADC: i32 = 2;
export const ALU_SBB: i32 = 3;
export const ALU_AND: i32 = 4;
export const ALU_SUB: i32 = 5;
export const ALU_XOR: i32 = 6;
export const ALU_CMP: i32 = 7;

@inline export function aluRes<T>(op: i32, a: T, b: T, cin: T): T {
  if (op == ALU_ADD) return a + b;
  if (op == ALU_OR) return a | b;
  if (op == ALU_ADC) return a + b + cin;
  if (op == ALU_SBB) return a - b - cin;
  if (op == ALU_AND) return a & b;
  if (op == ALU_XOR) return a ^ b;
  return a - b; // SUB, CMP
}

@inline export function aluFlags<T>(cpu: usize, op: i32, a: T, b: T, r: T, cin: T): void {
  if (op == ALU_ADD) setLazy<T>(cpu, LF_ADD, a, b, r);
  else if (op == ALU_SUB || op == ALU_CMP) setLazy<T>(cpu, LF_SUB, a, b, r);
  else if (op == ALU_ADC) setLazyCarry<T>(cpu, LF_ADC, a, b, r, <u64>cin);
  else if (op == ALU_SBB) setLazyCarry<T>(cpu, LF_SBB, a, b, r, <u64>cin);
  else setLazy<T>(cpu, LF_LOGIC, <T>0, <T>0, r);
}

@inline function carryIn<T>(cpu: usize, op: i32): T {
  return op == ALU_ADC || op == ALU_SBB ? <T>getCF(cpu) : <T>0;
}

/** op E, b: destination is the ModRM rm operand. */
@inline function aluE<T>(cpu: usize, d: usize, op: i32, b: T): void {
  const cin = carryIn<T>(cpu, op);
  if (isMem(d)) {
    const lin = linear(cpu, d);
    const a = readMem<T>(cpu, lin);
    if (aborted(cpu)) return;
    const r = aluRes<T>(op, a, b, cin);
    if (op != ALU_CMP) { writeMem<T>(cpu, lin, r); if (aborted(cpu)) return; }
    aluFlags<T>(cpu, op, a, b, r, cin);
  } else {
    const off = rmOff(d);
    const a = regRead<T>(cpu, off);
    const r = aluRes<T>(op, a, b, cin);
    if (op != ALU_CMP) regWrite<T>(cpu, off, r);
    aluFlags<T>(cpu, op, a, b, r, cin);
  }
}

@inline export function alu_EG<T>(cpu: usize, d: usize, op: i32): void {
  aluE<T>(cpu, d, op, regRead<T>(cpu, gOff(d)));
}

@inline export function alu_EI<T>(cpu: usize, d: usize, op: i32): void {
  aluE<T>(cpu, d, op, <T>imm(d));
}

@inline export function alu_GE<T>(cpu: usize, d: usize, op: i32): void {
  let b: T;
  if (isMem(d)) { b = readMem<T>(cpu, linear(cpu, d)); if (aborted(cpu)) return; }
  else b = regRead<T>(cpu, rmOff(d));
  const cin = carryIn<T>(cpu, op);
  const off = gOff(d);
  const a = regRead<T>(cpu, off);
  const r = aluRes<T>(op, a, b, cin);
  if (op != ALU_CMP) regWrite<T>(cpu, off, r);
  aluFlags<T>(cpu, op, a, b, r, cin);
}

@inline export function alu_AI<T>(cpu: usize, d: usize, op: i32): void {
  const cin = carryIn<T>(cpu, op);
  const a = regRead<T>(cpu, CPU_OFF_RAX);
  const b = <T>imm(d);
  const r = aluRes<T>(op, a, b, cin);
  if (op != ALU_CMP) regWrite<T>(cpu, CPU_OFF_RAX, r);
  aluFlags<T>(cpu, op, a, b, r, cin);
}

@inline function testWith<T>(cpu: usize, d: usize, b: T): void {
  let a: T;
  if (isMem(d)) { a = readMem<T>(cpu, linear(cpu, d)); if (aborted(cpu)) return; }
  else a = regRead<T>(cpu, rmOff(d));
  setLazy<T>(cpu, LF_LOGIC, <T>0, <T>0, a & b);
}

@inline export function test_EG<T>(cpu: usize, d: usize): void { testWith<T>(cpu, d, regRead<T>(cpu, gOff(d))); }
@inline export function test_EI<T>(cpu: usize, d: usize): void { testWith<T>(cpu, d, <T>imm(d)); }
@inline export function test_AI<T>(cpu: usize, d: usize): void {
  setLazy<T>(cpu, LF_LOGIC, <T>0, <T>0, regRead<T>(cpu, CPU_OFF_RAX) & <T>imm(d));
}

/** Read-modify-write of the E operand with f(kind, a); kind selects NOT/NEG/INC/DEC. */
@inline function unaryRes<T>(kind: i32, a: T): T {
  if (kind == 0) return ~a;
  if (kind == 1) return <T>0 - a;
  if (kind == 2) return a + <T>1;
  return a - <T>1;
}

@inline function unaryFlags<T>(cpu: usize, kind: i32, a: T, r: T): void {
  if (kind == 1) setLazy<T>(cpu, LF_SUB, <T>0, a, r);
  else if (kind == 2) setLazyIncDec<T>(cpu, LF_INC, a, r);
  else if (kind == 3) setLazyIncDec<T>(cpu, LF_DEC, a, r);
}

@inline function unaryE<T>(cpu: usize, d: usize, kind: i32): void {
  if (isMem(d)) {
    const lin = linear(cpu, d);
    const a = readMem<T>(cpu, lin);
    if (aborted(cpu)) return;
    const r = unaryRes<T>(kind, a);
    writeMem<T>(cpu, lin, r);
    if (aborted(cpu)) return;
    unaryFlags<T>(cpu, kind, a, r);
  } else {
    const off = rmOff(d);
    const a = regRead<T>(cpu, off);
    const r = unaryRes<T>(kind, a);
    regWrite<T>(cpu, off, r);
    unaryFlags<T>(cpu, kind, a, r);
  }
}

@inline export function not_E<T>(cpu: usize, d: usize): void { unaryE<T>(cpu, d, 0); }
@inline export function neg_E<T>(cpu: usize, d: usize): void { unaryE<T>(cpu, d, 1); }
/** dec = 0 for INC, 1 for DEC. */
@inline export function incdec_E<T>(cpu: usize, d: usize, dec: i32): void { unaryE<T>(cpu, d, 2 + dec); }
@inline export function incdec_Z<T>(cpu: usize, d: usize, dec: i32): void {
  const off = rmOff(d);
  const a = regRead<T>(cpu, off);
  const r = unaryRes<T>(2 + dec, a);
  regWrite<T>(cpu, off, r);
  unaryFlags<T>(cpu, 2 + dec, a, r);
}
