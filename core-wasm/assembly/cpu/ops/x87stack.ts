// cpu/ops/x87stack.ts — the x87 register stack and the frame of every x87 instruction, on the
// FXSAVE-image state (ops/ssebase.ts; SDM vol. 1 8.1, 10.5.1 table 10-2): ST(i) lives at
// FX_ST + 16*i in stack order (so a push or pop rotates the eight slots), TOP is FSW bits 11-13,
// the abridged tag byte FX_FTW has bit j set when physical register j = (TOP + i) & 7 is not empty.
// An instruction runs as: x87Enter (#NM with CR0.EM/TS, SDM vol. 3A 2.5 table 2-2; #MF when
// FSW.ES is pending, vol. 1 8.6) -> memory reads and faults -> the operation on a working copy
// of FSW at FX_X87SW (exception flags 0-5 cleared, so they are this instruction's) -> stack and
// register updates -> x87Leave (flags ORed back into FSW, ES/B summary, FOP/FIP/FCS and, for
// memory forms, FDP/FDS: SDM vol. 1 8.1.8-8.1.9).
// Stack faults (vol. 1 8.5.1.1): underflow = IE + SF with C1 = 0, overflow = IE + SF with C1 = 1;
// masked, the instruction goes on with the real indefinite; unmasked, nothing is written. Unmasked
// IE/DE/ZE (pre-computation) leave destination and TOP unchanged; unmasked OE/UE/PE do not stop a
// register destination (the softfloat delivers the wrapped result, fpu/api.ts).
// Invariants: bytes 450..511 of the 512-byte area lie outside what FXSAVE/FXRSTOR move: the
// working FSW (FX_X87SW) and 10-byte scratch values (FX_XA, FX_XB) of one instruction, and
// FX_FCS/FX_FDS, the selectors of the last instruction and operand, which only the legacy
// (non-REX.W) FXSAVE format and FNSTENV/FNSAVE show (FNINIT and FNSAVE clear them, FXRSTOR and
// FLDENV/FRSTOR load them). Nothing architectural changes before the last memory access that can
// fault.
import * as S from '../state';
import * as D from '../decoded';
import { raise } from '../except';
import { effAddr, isMem } from '../operand';
import { fpuOk, fx, FX_FCW, FX_FSW, FX_FTW, FX_FOP, FX_FIP, FX_FDP, FX_ST } from './ssebase';

export const FX_X87SW: usize = 450; // u16 working FSW of the current instruction
export const FX_FCS: usize = 452;   // u16 FPU instruction pointer selector
export const FX_FDS: usize = 454;   // u16 FPU data pointer selector
export const FX_XA: usize = 464;    // 16-byte scratch values (f80 at +0, se at +8)
export const FX_XB: usize = 480;

export const INDEF_SIG: u64 = 0xC000000000000000;
export const INDEF_SE: u32 = 0xFFFF;
export const ONE_SIG: u64 = 0x8000000000000000;
export const ONE_SE: u32 = 0x3FFF;

const FL_IE: u32 = 0x01;
const FL_SF: u32 = 0x40;
const C1: u32 = 0x200;

// ---- registers

@inline export function fcwOf(p: usize): u32 { return <u32>load<u16>(p, FX_FCW); }
@inline export function swPtr(p: usize): usize { return p + FX_X87SW; }
@inline export function sw(p: usize): u32 { return <u32>load<u16>(p, FX_X87SW); }
@inline export function setSw(p: usize, v: u32): void { store<u16>(p, <u16>v, FX_X87SW); }
@inline export function top(p: usize): u32 { return (sw(p) >> 11) & 7; }
@inline function setTop(p: usize, t: u32): void { setSw(p, (sw(p) & ~<u32>0x3800) | ((t & 7) << 11)); }

/** The slot of ST(i). */
@inline export function st(p: usize, i: u32): usize { return p + FX_ST + (<usize>(i & 7) << 4); }
@inline export function stSig(p: usize, i: u32): u64 { return load<u64>(st(p, i)); }
@inline export function stSE(p: usize, i: u32): u32 { return <u32>load<u16>(st(p, i), 8); }

@inline function physBit(p: usize, i: u32): u8 { return <u8>(<u32>1 << ((top(p) + i) & 7)); }
@inline export function isEmpty(p: usize, i: u32): bool { return (load<u8>(p, FX_FTW) & physBit(p, i)) == 0; }
@inline export function setEmpty(p: usize, i: u32): void { store<u8>(p, load<u8>(p, FX_FTW) & ~physBit(p, i), FX_FTW); }
@inline export function setValid(p: usize, i: u32): void { store<u8>(p, load<u8>(p, FX_FTW) | physBit(p, i), FX_FTW); }

/** Writes ST(i) (bytes 10-15 of the slot zeroed) and tags it non-empty. */
@inline export function putST(p: usize, i: u32, sig: u64, se: u32): void {
  const s = st(p, i);
  store<u64>(s, sig);
  store<u64>(s, <u64>(se & 0xFFFF), 8);
  setValid(p, i);
}

/** Copies the 10-byte value at `v` (a scratch slot) into ST(i). */
@inline export function putSTFrom(p: usize, i: u32, v: usize): void {
  putST(p, i, load<u64>(v), <u32>load<u16>(v, 8));
}

/** Push: ST(i+1) <- ST(i), the new ST0 <- value (its tag valid). The caller checked ST7 empty. */
export function push(p: usize, sig: u64, se: u32): void {
  memory.copy(st(p, 1), st(p, 0), 112);
  setTop(p, top(p) - 1);
  putST(p, 0, sig, se);
}

/** Pop: ST0 tagged empty, TOP + 1; the old ST0 slot becomes ST7 (contents kept). */
export function pop(p: usize): void {
  setEmpty(p, 0);
  rotateUp(p);
}

/** ST(i) <- ST(i+k) for the slots only (TOP and tags untouched). */
function rotateSlots(p: usize, k: u32): void {
  for (; k != 0; k--) {
    const v = v128.load(st(p, 0));
    memory.copy(st(p, 0), st(p, 1), 112);
    v128.store(st(p, 7), v);
  }
}

/** FINCSTP's rotation: TOP + 1, ST(i) <- ST(i+1), ST7 <- the old ST0; tags unchanged. */
export function rotateUp(p: usize): void {
  rotateSlots(p, 1);
  setTop(p, top(p) + 1);
}

/**
 * TOP changes from `from` to `to` by a load (FNINIT, FLDENV, FNSAVE): the physical registers do
 * not move, so the slots rotate to keep ST(i) = physical register (to + i) & 7. The caller
 * writes the new TOP.
 */
export function moveTop(p: usize, from: u32, to: u32): void { rotateSlots(p, (to - from) & 7); }

/** FDECSTP's rotation: TOP - 1, ST(i+1) <- ST(i), ST0 <- the old ST7; tags unchanged. */
export function rotateDown(p: usize): void {
  const v = v128.load(st(p, 7));
  memory.copy(st(p, 1), st(p, 0), 112);
  v128.store(st(p, 0), v);
  setTop(p, top(p) - 1);
}

// ---- condition codes and exceptions

@inline export function setC1(p: usize, on: bool): void { setSw(p, on ? sw(p) | C1 : sw(p) & ~C1); }

/** Sets C3/C2/C1/C0 (FSW bits 14, 10, 9, 8) to `bits`. */
@inline export function setCond(p: usize, bits: u32): void { setSw(p, (sw(p) & ~<u32>0x4700) | (bits & 0x4700)); }

/** Exception flags this instruction raised. */
@inline export function raised(p: usize): u32 { return sw(p) & 0x3F; }

/** True when this instruction raised an exception in `mask` that FCW leaves unmasked. */
@inline export function stops(p: usize, mask: u32): bool { return (raised(p) & ~fcwOf(p) & mask) != 0; }

/** Stack underflow: IE + SF, C1 = 0. True when IE is masked (go on with the indefinite). */
export function underflow(p: usize): bool {
  setSw(p, (sw(p) | FL_IE | FL_SF) & ~C1);
  return (fcwOf(p) & FL_IE) != 0;
}

/** Stack overflow: IE + SF, C1 = 1. True when IE is masked (push the indefinite). */
export function overflow(p: usize): bool {
  setSw(p, sw(p) | FL_IE | FL_SF | C1);
  return (fcwOf(p) & FL_IE) != 0;
}

/** Push with the overflow check: ST7 must be empty, else the masked response pushes the indefinite. */
export function pushChecked(p: usize, sig: u64, se: u32): void {
  if (!isEmpty(p, 7)) { if (overflow(p)) push(p, INDEF_SIG, INDEF_SE); return; }
  push(p, sig, se);
}

// ---- instruction frame

/**
 * Start of a waiting x87 instruction: #NM (CR0.EM or TS), then #MF when an unmasked exception is
 * pending. Returns the FXSAVE image pointer with the working FSW prepared, or 0 after a fault.
 */
export function x87Enter(cpu: usize): usize {
  if (!fpuOk(cpu)) return 0;
  const p = fx(cpu);
  const f = <u32>load<u16>(p, FX_FSW);
  if (f & 0x80) { raise(cpu, S.EXC_MF, -1); return 0; }
  setSw(p, f & ~<u32>0x3F);
  return p;
}

/** Start of a no-wait x87 instruction (FNSTENV, FNSAVE, the 287 no-ops): #NM only. */
export function x87EnterNoWait(cpu: usize): usize {
  if (!fpuOk(cpu)) return 0;
  const p = fx(cpu);
  setSw(p, <u32>load<u16>(p, FX_FSW) & ~<u32>0x3F);
  return p;
}

/** FSW <- the working FSW with the sticky flags ORed back, ES/B recomputed. */
export function commitSw(p: usize): void {
  const f = sw(p) | (<u32>load<u16>(p, FX_FSW) & 0x3F);
  const es: u32 = (f & ~fcwOf(p) & 0x3F) != 0 ? 0x8080 : 0;
  store<u16>(p, <u16>((f & 0x7F7F) | es), FX_FSW);
}

/** End of a non-control x87 instruction: FSW, then FOP, FIP/FCS and (memory forms) FDP/FDS. */
export function x87Leave(cpu: usize, d: usize, p: usize): void {
  commitSw(p);
  store<u16>(p, <u16>(((<u32>load<u8>(d, D.D_OPCODE) & 7) << 8) | <u32>load<u8>(d, D.D_MODRM)), FX_FOP);
  store<u64>(p, load<u64>(cpu, S.CPU_OFF_INSN_RIP), FX_FIP);
  store<u16>(p, load<u16>(cpu + S.CPU_OFF_SEG + (<usize>S.SEG_CS << 4)), FX_FCS);
  if (isMem(d)) {
    store<u64>(p, effAddr(cpu, d), FX_FDP);
    store<u16>(p, load<u16>(cpu + S.CPU_OFF_SEG + (<usize>load<u8>(d, D.D_SEG) << 4)), FX_FDS);
  }
}

/** The ST(i) index of a register form (ModRM.rm; REX.B does not apply to x87 registers). */
@inline export function rmIndex(d: usize): u32 { return <u32>load<u8>(d, D.D_MODRM) & 7; }
