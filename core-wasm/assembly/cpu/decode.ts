// cpu/decode.ts — the x86 instruction decoder (SDM vol. 2 ch. 2: prefixes, REX, opcode maps,
// ModRM/SIB, displacement, immediates), driven by the generated decode tree (gen/tables.ts).
// Writes one decoded record (cpu/decoded.ts). Returns the length (> 0), 0 when it raised #UD/#GP
// (the FAULT field is set), or -1 when it needs bytes past `avail` (the fetch of the next page
// failed; the caller raises that fault).
// Invariant: the decoder only reads bytes and writes the record; no architectural state changes.
import { DEC_TOP, DEC_NODES, ROW_ATTR, ROW_BASE } from './gen/tables';
import * as S from './state';
import * as D from './decoded';
import { raise } from './except';

// Row attribute bits (scripts/cpu/gen.ts).
const SK_MASK: u32 = 7; const SK_B: u32 = 1; const SK_W: u32 = 2; const SK_V: u32 = 3; const SK_Z: u32 = 4;
const SK_D64: u32 = 5; const SK_F64: u32 = 6;
const R_MODRM: u32 = 1 << 3; const R_GBYTE: u32 = 1 << 4; const R_EBYTE: u32 = 1 << 5; const R_PLUSR: u32 = 1 << 6;
const R_ZBYTE: u32 = 1 << 7; const R_I64: u32 = 1 << 16; const R_O64: u32 = 1 << 17; const R_LOCK: u32 = 1 << 20;
const R_M66: u32 = 1 << 21; const R_MREP: u32 = 1 << 22;

@inline function byteRegOff(n: u32, rex: u32): u16 {
  return rex == 0 && n >= 4 && n < 8 ? <u16>((n - 4) * 8 + 1) : <u16>(n * 8);
}

const M16_BASE: StaticArray<u16> = [24, 24, 40, 40, 48, 56, 40, 24]; // BX BX BP BP SI DI BP BX
const M16_INDEX: StaticArray<u16> = [48, 56, 48, 56, 144, 144, 144, 144]; // SI DI SI DI - - - -

/** Decodes the instruction at host address p (avail bytes readable) into d. */
export function decode(cpu: usize, p: usize, avail: i32, d: usize): i32 {
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  const m64 = mode == S.MODE_LONG64;
  const code32 = m64 || mode == S.MODE_PROT32 || mode == S.MODE_COMPAT32;
  if (avail > 15) avail = 15;
  let i: i32 = 0; let pfx: u32 = 0; let seg: i32 = -1; let rex: u32 = 0; let b: u32 = 0;
  while (true) {
    if (i >= avail) return avail >= 15 ? gp0(cpu) : -1;
    b = load<u8>(p + i);
    if (b == 0x66) pfx |= D.P_OPSIZE;
    else if (b == 0x67) pfx |= D.P_ADSIZE;
    else if (b == 0xF0) pfx |= D.P_LOCK;
    else if (b == 0xF3) pfx = (pfx & ~D.P_REPNE) | D.P_REP;
    else if (b == 0xF2) pfx = (pfx & ~D.P_REP) | D.P_REPNE;
    else if (b == 0x26) seg = S.SEG_ES;
    else if (b == 0x2E) seg = S.SEG_CS;
    else if (b == 0x36) seg = S.SEG_SS;
    else if (b == 0x3E) seg = S.SEG_DS;
    else if (b == 0x64) seg = S.SEG_FS;
    else if (b == 0x65) seg = S.SEG_GS;
    else if (m64 && (b & 0xF0) == 0x40) { rex = b; i++; continue; }
    else break;
    rex = 0; // a legacy prefix after REX cancels it
    i++;
  }
  i++;
  let map: u32 = 0;
  if (b == 0x0F) {
    if (i >= avail) return avail >= 15 ? gp0(cpu) : -1;
    b = load<u8>(p + i); i++; map = 1;
    if (b == 0x38 || b == 0x3A) {
      map = b == 0x38 ? 2 : 3;
      if (i >= avail) return avail >= 15 ? gp0(cpu) : -1;
      b = load<u8>(p + i); i++;
    }
  }
  let node = unchecked(DEC_TOP[(map << 8) | b]);
  let modrm: i32 = -1;
  while (true) {
    const t = node >>> 28; const pl = node & 0x0fffffff;
    if (t == 1) break;
    if (t == 0) return ud(cpu);
    if (t == 6) { node = unchecked(DEC_NODES[pl + (m64 ? 1 : 0)]); continue; }
    if (t == 2) {
      const k: u32 = (pfx & D.P_REP) ? 2 : (pfx & D.P_REPNE) ? 3 : (pfx & D.P_OPSIZE) ? 1 : 0;
      node = unchecked(DEC_NODES[pl + k]); continue;
    }
    if (modrm < 0) { if (i >= avail) return avail >= 15 ? gp0(cpu) : -1; modrm = load<u8>(p + i); i++; }
    if (t == 3) node = unchecked(DEC_NODES[pl + ((modrm >> 3) & 7)]);
    else if (t == 4) node = unchecked(DEC_NODES[pl + (modrm >= 0xC0 ? 1 : 0)]);
    else node = unchecked(DEC_NODES[pl + (modrm & 7)]);
  }
  const row = node & 0x0fffffff;
  const a = unchecked(ROW_ATTR[row]);
  if ((a & R_I64) && m64) return ud(cpu);
  if ((a & R_O64) && !m64) return ud(cpu);
  if (a & R_M66) pfx &= ~D.P_OPSIZE;
  if (a & R_MREP) pfx &= ~(D.P_REP | D.P_REPNE);

  // Operand size.
  const sk = a & SK_MASK;
  const o16 = (pfx & D.P_OPSIZE) != 0;
  const z: u32 = code32 != o16 ? 4 : 2;
  let osz: u32 = 4;
  if (sk == SK_B) osz = 1;
  else if (sk == SK_W) osz = 2;
  else if (sk == SK_V) osz = (rex & 8) ? 8 : z;
  else if (sk == SK_Z) osz = z;
  else if (sk == SK_D64) osz = m64 ? (o16 ? 2 : 8) : z;
  else if (sk == SK_F64) osz = m64 ? 8 : z;
  let id = unchecked(ROW_BASE[row]);
  if (sk >= SK_V) id += osz == 2 ? 0 : osz == 4 ? 1 : 2;
  const asz: u32 = m64 ? ((pfx & D.P_ADSIZE) ? 4 : 8) : (code32 != ((pfx & D.P_ADSIZE) != 0) ? 4 : 2);

  store<u16>(d, <u16>id, D.D_ID);
  store<u16>(d, <u16>row, D.D_ROW);
  store<u8>(d, <u8>rex, D.D_REX);
  store<u8>(d, <u8>osz, D.D_OSIZE);
  store<u8>(d, <u8>asz, D.D_ASIZE);
  store<u8>(d, <u8>b, D.D_OPCODE);
  store<u64>(d, asz == 8 ? 0xFFFF_FFFF_FFFF_FFFF : asz == 4 ? 0xFFFF_FFFF : 0xFFFF, D.D_AMASK);
  store<u16>(d, <u16>S.CPU_OFF_ZERO, D.D_BASE);
  store<u16>(d, <u16>S.CPU_OFF_ZERO, D.D_INDEX);
  store<u8>(d, 0, D.D_SCALE);
  store<i64>(d, 0, D.D_DISP);
  store<u8>(d, <u8>(seg >= 0 ? seg : S.SEG_DS), D.D_SEG);
  if (seg >= 0) pfx |= D.P_SEGOVR;
  if (a & R_PLUSR) {
    const n = (b & 7) | ((rex & 1) << 3);
    store<u16>(d, (a & R_ZBYTE) ? byteRegOff(n, rex) : <u16>(n * 8), D.D_RM);
  }

  if ((a & R_MODRM) != 0) {
    if (modrm < 0) { if (i >= avail) return avail >= 15 ? gp0(cpu) : -1; modrm = load<u8>(p + i); i++; }
    const mod = <u32>modrm >> 6; const rm = <u32>modrm & 7;
    const regn = ((<u32>modrm >> 3) & 7) | ((rex & 4) << 1);
    store<u8>(d, <u8>modrm, D.D_MODRM);
    store<u8>(d, <u8>regn, D.D_REGNUM);
    store<u16>(d, (a & R_GBYTE) ? byteRegOff(regn, rex) : <u16>(regn * 8), D.D_REG);
    if (mod == 3) {
      const n = rm | ((rex & 1) << 3);
      store<u16>(d, (a & R_EBYTE) ? byteRegOff(n, rex) : <u16>(n * 8), D.D_RM);
      if (pfx & D.P_LOCK) return ud(cpu);
    } else {
      pfx |= D.P_MEM;
      i = decodeMem(cpu, p, avail, d, i, mod, rm, rex, asz, seg, m64);
      if (i <= 0) return i;
    }
  } else {
    store<u8>(d, 0, D.D_MODRM);
  }
  if ((pfx & D.P_LOCK) && ((a & R_LOCK) == 0 || (pfx & D.P_MEM) == 0)) return ud(cpu);

  // Immediates.
  const k1 = (a >> 8) & 15;
  if (k1 == 7) pfx |= D.P_MEM;
  if (k1 != 0) {
    i = decodeImm(p, avail, d, i, k1, osz, asz, D.D_IMM);
    if (i <= 0) return i == 0 || avail >= 15 ? gp0(cpu) : -1;
    const k2 = (a >> 12) & 15;
    if (k2 != 0) {
      i = decodeImm(p, avail, d, i, k2, osz, asz, D.D_IMM2);
      if (i <= 0) return i == 0 || avail >= 15 ? gp0(cpu) : -1;
    }
  }
  store<u8>(d, <u8>pfx, D.D_PFX);
  store<u8>(d, <u8>i, D.D_LEN);
  return i;
}

function decodeMem(cpu: usize, p: usize, avail: i32, d: usize, i: i32, mod: u32, rm: u32, rex: u32,
                   asz: u32, seg: i32, m64: bool): i32 {
  let defSS = false;
  let disp: i64 = 0;
  if (asz == 2) {
    if (mod == 0 && rm == 6) {
      if (i + 2 > avail) return avail >= 15 ? gp0(cpu) : -1;
      disp = <i64>load<u16>(p + i); i += 2;
    } else {
      store<u16>(d, unchecked(M16_BASE[rm]), D.D_BASE);
      store<u16>(d, unchecked(M16_INDEX[rm]), D.D_INDEX);
      defSS = rm == 2 || rm == 3 || rm == 6;
    }
    if (mod == 1) { if (i + 1 > avail) return avail >= 15 ? gp0(cpu) : -1; disp = <i64>load<i8>(p + i); i += 1; }
    else if (mod == 2) { if (i + 2 > avail) return avail >= 15 ? gp0(cpu) : -1; disp = <i64>load<i16>(p + i); i += 2; }
  } else {
    let base: i32 = <i32>rm;
    if (rm == 4) {
      if (i >= avail) return avail >= 15 ? gp0(cpu) : -1;
      const sib = <u32>load<u8>(p + i); i++;
      const idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
      if (idx != 4) { store<u16>(d, <u16>(idx * 8), D.D_INDEX); store<u8>(d, <u8>(sib >> 6), D.D_SCALE); }
      base = <i32>(sib & 7);
      if (base == 5 && mod == 0) base = -1; // disp32, no base
    } else if (rm == 5 && mod == 0) {
      base = m64 ? -2 : -1; // RIP-relative in 64-bit mode, else disp32
    }
    if (base >= 0) {
      defSS = (base == 4 || base == 5) && (rex & 1) == 0; // rSP/rBP, not r12/r13
      store<u16>(d, <u16>((<u32>base | ((rex & 1) << 3)) * 8), D.D_BASE);
    } else if (base == -2) {
      store<u16>(d, <u16>S.CPU_OFF_RIP, D.D_BASE);
    }
    if (mod == 1) { if (i + 1 > avail) return avail >= 15 ? gp0(cpu) : -1; disp = <i64>load<i8>(p + i); i += 1; }
    else if (mod == 2 || base < 0) { if (i + 4 > avail) return avail >= 15 ? gp0(cpu) : -1; disp = <i64>load<i32>(p + i); i += 4; }
  }
  store<i64>(d, disp, D.D_DISP);
  if (seg < 0) store<u8>(d, <u8>(defSS ? S.SEG_SS : S.SEG_DS), D.D_SEG);
  return i;
}

/** Reads one immediate of kind k at p+i into d+off; returns the new index or -1 (bytes missing). */
function decodeImm(p: usize, avail: i32, d: usize, i: i32, k: u32, osz: u32, asz: u32, off: usize): i32 {
  let n: i32 = 0;
  if (k == 1 || k == 5) n = 1;                          // Ib Jb
  else if (k == 2) n = 2;                               // Iw
  else if (k == 3 || k == 6) n = osz == 2 ? 2 : 4;      // Iz Jz
  else if (k == 4) n = <i32>osz;                        // Iv
  else if (k == 7) n = <i32>asz;                        // moffs
  else if (k == 8) n = osz == 2 ? 4 : 6;                // Ap: offset + selector
  if (i + n > avail) return -1;
  let v: u64 = 0;
  if (k == 1 || k == 5) v = <u64><i64>load<i8>(p + i);
  else if (k == 2) v = <u64>load<u16>(p + i);
  else if (k == 8) {
    v = osz == 2 ? <u64>load<u16>(p + i) : <u64>load<u32>(p + i);
    store<u64>(d, <u64>load<u16>(p + i + n - 2), D.D_IMM2);
  } else if (n == 2) v = <u64><i64>load<i16>(p + i);
  else if (n == 4) v = k == 7 ? <u64>load<u32>(p + i) : <u64><i64>load<i32>(p + i);
  else v = load<u64>(p + i);
  if (k == 7) { // moffs: the address is the displacement of a base-less memory operand
    store<i64>(d, <i64>v, D.D_DISP);
  } else {
    store<u64>(d + off, v);
  }
  return i + n;
}

function ud(cpu: usize): i32 { raise(cpu, S.EXC_UD, -1); return 0; }
function gp0(cpu: usize): i32 { raise(cpu, S.EXC_GP, 0); return 0; }
