// cpu/ops/io.ts — IN, OUT, INS, OUTS (SDM vol. 2; vol. 1 ch. 19 I/O protection). Port IO leaves
// the core (CPU_EXIT_IO, contract in core-contract.md): reads complete by re-execution (the
// VMM calls cpu_complete_io, the instruction runs again and consumes the data), writes retire
// first. String forms move one element per exit; with REP the instruction restarts until rCX = 0.
// The TSS I/O permission bitmap is not consulted yet: CPL > IOPL raises #GP(0).
import * as S from '../state';
import * as D from '../decoded';
import { raise, aborted, exitBefore, exitAfter } from '../except';
import { readMem, writeMem } from '../mmu';
import { regRead, regWrite, imm, segLinear } from '../operand';

function ioAllowed(cpu: usize): bool {
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  if (mode == S.MODE_REAL) return true;
  const iopl = <i32>((load<u64>(cpu, S.CPU_OFF_RFLAGS) >> 12) & 3);
  if (mode == S.MODE_VM86 || load<i32>(cpu, S.CPU_OFF_CPL) > iopl) { raise(cpu, S.EXC_GP, 0); return false; }
  return true;
}

function exitInfo(cpu: usize, port: u32, size: i32, out: bool): void {
  store<i32>(cpu, <i32>port, S.CPU_OFF_EXIT_PORT);
  store<i32>(cpu, size, S.CPU_OFF_EXIT_SIZE);
  store<i32>(cpu, out ? 1 : 0, S.CPU_OFF_EXIT_DIRECTION);
  store<i32>(cpu, 1, S.CPU_OFF_EXIT_COUNT);
}

/** The data of a completed read, or exits (returns false) to fetch it. */
function ioRead(cpu: usize, port: u32, size: i32): bool {
  if (load<i32>(cpu, S.CPU_OFF_IO_READY)) { store<i32>(cpu, 0, S.CPU_OFF_IO_READY); return true; }
  exitInfo(cpu, port, size, false);
  exitBefore(cpu, S.CPU_EXIT_IO);
  return false;
}

function ioWrite(cpu: usize, port: u32, size: i32, v: u64): void {
  exitInfo(cpu, port, size, true);
  store<u64>(cpu, v, S.CPU_OFF_EXIT_DATA);
  exitAfter(cpu, S.CPU_EXIT_IO);
}

@inline function inPort<T>(cpu: usize, port: u32): void {
  if (!ioAllowed(cpu)) return;
  if (!ioRead(cpu, port, <i32>sizeof<T>())) return;
  regWrite<T>(cpu, S.CPU_OFF_RAX, <T>load<u64>(cpu, S.CPU_OFF_IO_DATA));
}

@inline function outPort<T>(cpu: usize, port: u32): void {
  if (!ioAllowed(cpu)) return;
  ioWrite(cpu, port, <i32>sizeof<T>(), <u64>regRead<T>(cpu, S.CPU_OFF_RAX));
}

export function in_I<T>(cpu: usize, d: usize): void { inPort<T>(cpu, <u32>(imm(d) & 0xFF)); }
export function in_DX<T>(cpu: usize, d: usize): void { inPort<T>(cpu, <u32>load<u16>(cpu, S.CPU_OFF_RDX)); }
export function out_I<T>(cpu: usize, d: usize): void { outPort<T>(cpu, <u32>(imm(d) & 0xFF)); }
export function out_DX<T>(cpu: usize, d: usize): void { outPort<T>(cpu, <u32>load<u16>(cpu, S.CPU_OFF_RDX)); }

@inline function strStep<T>(cpu: usize, d: usize, reg: usize): void {
  const m = load<u64>(d, D.D_AMASK);
  const step: u64 = (load<u64>(cpu, S.CPU_OFF_RFLAGS) & S.FL_DF) ? <u64>(-<i64>sizeof<T>()) : <u64>sizeof<T>();
  const v = load<u64>(cpu + reg);
  store<u64>(cpu + reg, m == 0xFFFF_FFFF ? (v + step) & m : (v & ~m) | ((v + step) & m));
  if (load<u8>(d, D.D_PFX) & D.P_REP) {
    const c = load<u64>(cpu, S.CPU_OFF_RCX);
    const n = (c - 1) & m;
    store<u64>(cpu, m == 0xFFFF_FFFF ? n : (c & ~m) | n, S.CPU_OFF_RCX);
    if (n != 0) store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_INSN_RIP), S.CPU_OFF_RIP);
  }
}

@inline function repDone(cpu: usize, d: usize): bool {
  return (load<u8>(d, D.D_PFX) & D.P_REP) != 0 && (load<u64>(cpu, S.CPU_OFF_RCX) & load<u64>(d, D.D_AMASK)) == 0;
}

export function ins<T>(cpu: usize, d: usize): void {
  if (!ioAllowed(cpu) || repDone(cpu, d)) return;
  const m = load<u64>(d, D.D_AMASK);
  const lin = segLinear(cpu, S.SEG_ES, load<u64>(cpu, S.CPU_OFF_RDI) & m);
  if (!ioRead(cpu, <u32>load<u16>(cpu, S.CPU_OFF_RDX), <i32>sizeof<T>())) return;
  writeMem<T>(cpu, lin, <T>load<u64>(cpu, S.CPU_OFF_IO_DATA));
  if (aborted(cpu)) { store<i32>(cpu, 1, S.CPU_OFF_IO_READY); return; }
  strStep<T>(cpu, d, S.CPU_OFF_RDI);
}

export function outs<T>(cpu: usize, d: usize): void {
  if (!ioAllowed(cpu) || repDone(cpu, d)) return;
  const m = load<u64>(d, D.D_AMASK);
  const v = readMem<T>(cpu, segLinear(cpu, <i32>load<u8>(d, D.D_SEG), load<u64>(cpu, S.CPU_OFF_RSI) & m));
  if (aborted(cpu)) return;
  ioWrite(cpu, <u32>load<u16>(cpu, S.CPU_OFF_RDX), <i32>sizeof<T>(), <u64>v);
  strStep<T>(cpu, d, S.CPU_OFF_RSI);
}
