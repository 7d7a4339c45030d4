// cpu/fastops.ts — the run loop's fast paths for the commonest instruction forms: register and
// immediate ALU/TEST/MOV with 32- and 64-bit operands, LEA, MOVZX from a byte, and in 64-bit mode
// loads, stores, compares with memory and PUSH/POP of a register when the TLB hits. They run inside
// the loop (cpu/exec.ts) with no call; each has exactly the semantics of its generic handler
// (cpu/ops/*.ts), which runs instead whenever the fast path declines (a TLB miss, a code frame).
// Invariants: a fast path either completes the instruction without raising anything, or returns
// false having changed nothing. The code (D_FAST) is chosen once, when the block is decoded, from
// the form (FORM_INFO, scripts/cpu/gen.ts) and the operands; blocks are keyed by mode, so the
// choice holds for the mode it was made in.
import * as S from './state';
import * as D from './decoded';
import { FORM_INFO } from './gen/tables';
import { setLazy, LF_LOGIC, cond } from './flags';
import { regRead, regWrite, gOff, rmOff, imm, effAddr } from './operand';
import { aluRes, aluFlags, ALU_ADD, ALU_OR, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP } from './ops/arith';

// FORM_INFO kinds (scripts/cpu/gen.ts FORM_KINDS).
const K_ALU_EG = 1; const K_ALU_GE = 2; const K_ALU_EI = 3; const K_ALU_AI = 4; const K_TEST_EG = 5;
const K_TEST_EI = 6; const K_TEST_AI = 7; const K_MOV_EG = 8; const K_MOV_GE = 9; const K_MOV_EI = 10;
const K_MOV_ZI = 11; const K_LEA = 12; const K_JCC = 13; const K_PUSH = 14; const K_POP = 15; const K_MOVZX_B = 16;

// Fast codes. ALU register forms: F_ALU + (op6 * 2 + wide) * 3 + form, op6 indexing ALU6, form
// 0 = E op= G, 1 = G op= E, 2 = E op= imm. ALU loads (G op= [mem]): F_ALUM + op6 * 2 + wide.
const F_ALU: u8 = 1;    // .. 36
const F_ALUM: u8 = 37;  // .. 48
const F_TEST_RR: u8 = 49; const F_TEST_RI: u8 = 51;          // + wide
const F_MOV_RRE: u8 = 53; const F_MOV_RRG: u8 = 55; const F_MOV_RI: u8 = 57;
const F_LOAD: u8 = 59; const F_STORE: u8 = 61; const F_STOREI: u8 = 63;
const F_CMP_MR: u8 = 65; const F_CMP_MI: u8 = 67;
const F_LEA: u8 = 69; const F_MOVZX_R: u8 = 71; const F_MOVZX_M: u8 = 72;
const F_PUSH: u8 = 73; const F_POP: u8 = 74;
export const F_JCC: u8 = 75;

/** op6 index of an ALU operation with a fast path (ADC/SBB have none), or -1. */
@inline function op6(op: i32): i32 {
  if (op == ALU_ADD) return 0;
  if (op == ALU_OR) return 1;
  if (op == ALU_AND) return 2;
  if (op == ALU_SUB) return 3;
  if (op == ALU_XOR) return 4;
  if (op == ALU_CMP) return 5;
  return -1;
}

/** Chooses the fast code of decoded record d (0 = none) for a block decoded in `mode`. */
export function fastOpFor(d: usize, mode: i32): u8 {
  const info = unchecked(FORM_INFO[load<u16>(d, D.D_ID)]);
  const kind = <i32>(info & 31);
  const arg = <i32>((info >> 5) & 15);
  const lg = (info >> 9) & 3;
  if (kind == 0) return 0;
  if (kind == K_JCC) return mode == S.MODE_LONG64 && lg == 3 ? F_JCC : 0;
  const pfx = load<u8>(d, D.D_PFX);
  if (pfx & D.P_LOCK) return 0;
  const mem = (pfx & D.P_MEM) != 0;
  // Memory fast paths: 64-bit mode, a segment whose base is 0 there.
  const flat = mode == S.MODE_LONG64 && load<u8>(d, D.D_SEG) < <u8>S.SEG_FS;
  if (kind == K_LEA) return lg >= 2 ? F_LEA + <u8>(lg - 2) : 0;
  if (kind == K_PUSH || kind == K_POP) return flat && lg == 3 ? (kind == K_PUSH ? F_PUSH : F_POP) : 0;
  if (kind == K_MOVZX_B) return lg != 2 ? 0 : !mem ? F_MOVZX_R : flat ? F_MOVZX_M : 0;
  if (lg < 2) return 0;
  const w = <u8>(lg - 2);
  if (kind == K_ALU_AI || kind == K_TEST_AI) store<u16>(d, <u16>S.CPU_OFF_RAX, D.D_RM); // as E = rAX
  if (kind >= K_ALU_EG && kind <= K_ALU_AI) {
    const o = op6(arg);
    if (o < 0) return 0;
    if (!mem || kind == K_ALU_AI) {
      const form: i32 = kind == K_ALU_EG ? 0 : kind == K_ALU_GE ? 1 : 2;
      return F_ALU + <u8>((o * 2 + <i32>w) * 3 + form);
    }
    if (!flat) return 0;
    if (kind == K_ALU_GE) return F_ALUM + <u8>(o * 2) + w;
    if (arg == ALU_CMP) return (kind == K_ALU_EG ? F_CMP_MR : F_CMP_MI) + w;
    return 0;
  }
  if (kind == K_TEST_EG) return mem ? 0 : F_TEST_RR + w;
  if (kind == K_TEST_EI || kind == K_TEST_AI) return mem && kind == K_TEST_EI ? 0 : F_TEST_RI + w;
  if (kind == K_MOV_ZI) return F_MOV_RI + w;
  if (!mem) return kind == K_MOV_EG ? F_MOV_RRE + w : kind == K_MOV_GE ? F_MOV_RRG + w : F_MOV_RI + w;
  if (!flat) return 0;
  return kind == K_MOV_EG ? F_STORE + w : kind == K_MOV_GE ? F_LOAD + w : F_STOREI + w;
}

/** Host address for reading/writing sizeof<T> bytes at linear address lin if the TLB hits; else 0. */
@inline function hostFor<T>(cpu: usize, lin: u64, write: bool): usize {
  const e = cpu + S.CPU_OFF_TLB + (<usize>((lin >> 12) & (S.TLB_ENTRIES - 1)) << 5);
  const tag = write ? load<u64>(e, S.TLB_TAG_W) : load<u64>(e, S.TLB_TAG_R);
  if (tag != (((lin + sizeof<T>() - 1) & ~<u64>0xFFF) | load<u64>(cpu, S.CPU_OFF_TLB_USER))) return 0;
  return <usize>(lin + load<u64>(e, S.TLB_ADDEND));
}

@inline function aluReg<T>(cpu: usize, d: usize, op: i32, form: i32): void {
  const dst = form == 1 ? gOff(d) : rmOff(d);
  const a = regRead<T>(cpu, dst);
  const b = form == 0 ? regRead<T>(cpu, gOff(d)) : form == 1 ? regRead<T>(cpu, rmOff(d)) : <T>imm(d);
  const r = aluRes<T>(op, a, b, <T>0);
  if (op != ALU_CMP) regWrite<T>(cpu, dst, r);
  aluFlags<T>(cpu, op, a, b, r, <T>0);
}

@inline function aluLoad<T>(cpu: usize, d: usize, op: i32): bool {
  const h = hostFor<T>(cpu, effAddr(cpu, d), false);
  if (h == 0) return false;
  const b = load<T>(h);
  const off = gOff(d);
  const a = regRead<T>(cpu, off);
  const r = aluRes<T>(op, a, b, <T>0);
  if (op != ALU_CMP) regWrite<T>(cpu, off, r);
  aluFlags<T>(cpu, op, a, b, r, <T>0);
  return true;
}

/** CMP [mem], G (withImm = false) or CMP [mem], imm. */
@inline function cmpMem<T>(cpu: usize, d: usize, withImm: bool): bool {
  const h = hostFor<T>(cpu, effAddr(cpu, d), false);
  if (h == 0) return false;
  const a = load<T>(h);
  const b = withImm ? <T>imm(d) : regRead<T>(cpu, gOff(d));
  aluFlags<T>(cpu, ALU_CMP, a, b, a - b, <T>0);
  return true;
}

@inline function load_<T>(cpu: usize, d: usize): bool {
  const h = hostFor<T>(cpu, effAddr(cpu, d), false);
  if (h == 0) return false;
  regWrite<T>(cpu, gOff(d), load<T>(h));
  return true;
}

@inline function store_<T>(cpu: usize, d: usize, v: T): bool {
  const h = hostFor<T>(cpu, effAddr(cpu, d), true);
  if (h == 0) return false;
  store<T>(h, v);
  return true;
}

/** Runs fast code f of record d; false when the generic handler must run instead. */
@inline export function runFast(cpu: usize, d: usize, f: u8): bool {
  switch (f) {
    case 1: aluReg<u32>(cpu, d, ALU_ADD, 0); return true;
    case 2: aluReg<u32>(cpu, d, ALU_ADD, 1); return true;
    case 3: aluReg<u32>(cpu, d, ALU_ADD, 2); return true;
    case 4: aluReg<u64>(cpu, d, ALU_ADD, 0); return true;
    case 5: aluReg<u64>(cpu, d, ALU_ADD, 1); return true;
    case 6: aluReg<u64>(cpu, d, ALU_ADD, 2); return true;
    case 7: aluReg<u32>(cpu, d, ALU_OR, 0); return true;
    case 8: aluReg<u32>(cpu, d, ALU_OR, 1); return true;
    case 9: aluReg<u32>(cpu, d, ALU_OR, 2); return true;
    case 10: aluReg<u64>(cpu, d, ALU_OR, 0); return true;
    case 11: aluReg<u64>(cpu, d, ALU_OR, 1); return true;
    case 12: aluReg<u64>(cpu, d, ALU_OR, 2); return true;
    case 13: aluReg<u32>(cpu, d, ALU_AND, 0); return true;
    case 14: aluReg<u32>(cpu, d, ALU_AND, 1); return true;
    case 15: aluReg<u32>(cpu, d, ALU_AND, 2); return true;
    case 16: aluReg<u64>(cpu, d, ALU_AND, 0); return true;
    case 17: aluReg<u64>(cpu, d, ALU_AND, 1); return true;
    case 18: aluReg<u64>(cpu, d, ALU_AND, 2); return true;
    case 19: aluReg<u32>(cpu, d, ALU_SUB, 0); return true;
    case 20: aluReg<u32>(cpu, d, ALU_SUB, 1); return true;
    case 21: aluReg<u32>(cpu, d, ALU_SUB, 2); return true;
    case 22: aluReg<u64>(cpu, d, ALU_SUB, 0); return true;
    case 23: aluReg<u64>(cpu, d, ALU_SUB, 1); return true;
    case 24: aluReg<u64>(cpu, d, ALU_SUB, 2); return true;
    case 25: aluReg<u32>(cpu, d, ALU_XOR, 0); return true;
    case 26: aluReg<u32>(cpu, d, ALU_XOR, 1); return true;
    case 27: aluReg<u32>(cpu, d, ALU_XOR, 2); return true;
    case 28: aluReg<u64>(cpu, d, ALU_XOR, 0); return true;
    case 29: aluReg<u64>(cpu, d, ALU_XOR, 1); return true;
    case 30: aluReg<u64>(cpu, d, ALU_XOR, 2); return true;
    case 31: aluReg<u32>(cpu, d, ALU_CMP, 0); return true;
    case 32: aluReg<u32>(cpu, d, ALU_CMP, 1); return true;
    case 33: aluReg<u32>(cpu, d, ALU_CMP, 2); return true;
    case 34: aluReg<u64>(cpu, d, ALU_CMP, 0); return true;
    case 35: aluReg<u64>(cpu, d, ALU_CMP, 1); return true;
    case 36: aluReg<u64>(cpu, d, ALU_CMP, 2); return true;
    case 37: return aluLoad<u32>(cpu, d, ALU_ADD);
    case 38: return aluLoad<u64>(cpu, d, ALU_ADD);
    case 39: return aluLoad<u32>(cpu, d, ALU_OR);
    case 40: return aluLoad<u64>(cpu, d, ALU_OR);
    case 41: return aluLoad<u32>(cpu, d, ALU_AND);
    case 42: return aluLoad<u64>(cpu, d, ALU_AND);
    case 43: return aluLoad<u32>(cpu, d, ALU_SUB);
    case 44: return aluLoad<u64>(cpu, d, ALU_SUB);
    case 45: return aluLoad<u32>(cpu, d, ALU_XOR);
    case 46: return aluLoad<u64>(cpu, d, ALU_XOR);
    case 47: return aluLoad<u32>(cpu, d, ALU_CMP);
    case 48: return aluLoad<u64>(cpu, d, ALU_CMP);
    case 49: setLazy<u32>(cpu, LF_LOGIC, 0, 0, regRead<u32>(cpu, rmOff(d)) & regRead<u32>(cpu, gOff(d))); return true;
    case 50: setLazy<u64>(cpu, LF_LOGIC, 0, 0, regRead<u64>(cpu, rmOff(d)) & regRead<u64>(cpu, gOff(d))); return true;
    case 51: setLazy<u32>(cpu, LF_LOGIC, 0, 0, regRead<u32>(cpu, rmOff(d)) & <u32>imm(d)); return true;
    case 52: setLazy<u64>(cpu, LF_LOGIC, 0, 0, regRead<u64>(cpu, rmOff(d)) & imm(d)); return true;
    case 53: regWrite<u32>(cpu, rmOff(d), regRead<u32>(cpu, gOff(d))); return true;
    case 54: regWrite<u64>(cpu, rmOff(d), regRead<u64>(cpu, gOff(d))); return true;
    case 55: regWrite<u32>(cpu, gOff(d), regRead<u32>(cpu, rmOff(d))); return true;
    case 56: regWrite<u64>(cpu, gOff(d), regRead<u64>(cpu, rmOff(d))); return true;
    case 57: regWrite<u32>(cpu, rmOff(d), <u32>imm(d)); return true;
    case 58: regWrite<u64>(cpu, rmOff(d), imm(d)); return true;
    case 59: return load_<u32>(cpu, d);
    case 60: return load_<u64>(cpu, d);
    case 61: return store_<u32>(cpu, d, regRead<u32>(cpu, gOff(d)));
    case 62: return store_<u64>(cpu, d, regRead<u64>(cpu, gOff(d)));
    case 63: return store_<u32>(cpu, d, <u32>imm(d));
    case 64: return store_<u64>(cpu, d, imm(d));
    case 65: return cmpMem<u32>(cpu, d, false);
    case 66: return cmpMem<u64>(cpu, d, false);
    case 67: return cmpMem<u32>(cpu, d, true);
    case 68: return cmpMem<u64>(cpu, d, true);
    case 69: regWrite<u32>(cpu, gOff(d), <u32>effAddr(cpu, d)); return true;
    case 70: regWrite<u64>(cpu, gOff(d), effAddr(cpu, d)); return true;
    case 71: regWrite<u32>(cpu, gOff(d), <u32>regRead<u8>(cpu, rmOff(d))); return true;
    case 72: {
      const h = hostFor<u8>(cpu, effAddr(cpu, d), false);
      if (h == 0) return false;
      regWrite<u32>(cpu, gOff(d), <u32>load<u8>(h));
      return true;
    }
    case 73: { // PUSH r64
      const sp = load<u64>(cpu, S.CPU_OFF_RSP) - 8;
      const h = hostFor<u64>(cpu, sp, true);
      if (h == 0) return false;
      store<u64>(h, regRead<u64>(cpu, rmOff(d)));
      store<u64>(cpu, sp, S.CPU_OFF_RSP);
      return true;
    }
    case 74: { // POP r64 (POP RSP: the popped value wins)
      const sp = load<u64>(cpu, S.CPU_OFF_RSP);
      const h = hostFor<u64>(cpu, sp, false);
      if (h == 0) return false;
      const v = load<u64>(h);
      store<u64>(cpu, sp + 8, S.CPU_OFF_RSP);
      regWrite<u64>(cpu, rmOff(d), v);
      return true;
    }
    case 75: { // Jcc in 64-bit mode: RIP already holds the next instruction
      if (!cond(cpu, <i32>(load<u8>(d, D.D_OPCODE) & 15))) return true;
      const t = load<u64>(cpu, S.CPU_OFF_RIP) + imm(d);
      if ((<i64>(t << 16) >> 16) != <i64>t) return false; // non-canonical: the handler raises #GP
      store<u64>(cpu, t, S.CPU_OFF_RIP);
      return true;
    }
    default: return false;
  }
}
