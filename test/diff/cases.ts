// test/diff/cases.ts — test forms and cases from the opcode table (forms.gen.json, generated
// by scripts/cpu/gen.ts). A form = table row x mode (64-bit / 32-bit compatibility) x operand
// size x operand kind (register / memory) x repeat prefix. A case = one encoding of the form with
// a register state, flags and a data-page seed, drawn from a seeded PRNG (edge values first).
// The memory layout is test/diff/runner.c's: code at CODE_ADDR, data at DATA_ADDR.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_ADDR, DATA_ADDR, DATA_SIZE, ROOT } from './core.js';
import { sseSizes, sseTarget, sseCaseExtras, type FpState } from './sse-cases.js';

export interface FormRow {
  row: number; mnemonic: string; operands: string[]; map: number; opcode: number; prefix: string; reg: number;
  mod: string; rm: number; plusR: boolean; modrm: boolean; sizeKind: string; imm1: number; imm2: number;
  undef: string; attrs: string[]; implemented: boolean;
}

export interface Form { name: string; row: FormRow; mode: 64 | 32; size: number; mem: boolean; rep: '' | 'F3' | 'F2' }

export interface Case {
  form: Form; id: number; code: Uint8Array; regs: bigint[]; rflags: bigint; seed: number; undefMask: bigint;
  pokes: [number, Uint8Array][]; // data-page patches applied after the seeded fill
  fp?: FpState; memTarget?: number; // x87/SSE state and the memory operand's address (sse-cases.ts)
}

export function loadRows(): FormRow[] {
  return JSON.parse(readFileSync(join(ROOT, 'test', 'diff', 'forms.gen.json'), 'utf8')) as FormRow[];
}

function sizesOf(r: FormRow, mode: 64 | 32): number[] {
  const sse = sseSizes(r, mode); if (sse) return sse;
  switch (r.sizeKind) {
    case 'B': return [8];
    case 'W': return [16];
    case 'NONE': return [32];
    case 'V': return mode === 64 ? [16, 32, 64] : [16, 32];
    case 'Z': return [16, 32];
    case 'D64': return mode === 64 ? [16, 64] : [16, 32];
    default: return mode === 64 ? [64] : [16, 32]; // F64
  }
}

/** Every testable form, and the names of rows that cannot be tested (not implemented / nodiff). */
export function enumerateForms(rows: FormRow[]): { forms: Form[]; skipped: string[] } {
  const forms: Form[] = [];
  const skipped: string[] = [];
  for (const r of rows) {
    const title = `${r.mnemonic} ${r.operands.join(',')}`.trim();
    if (!r.implemented || r.attrs.includes('nodiff')) { skipped.push(title + (r.implemented ? ' (host cannot show)' : ' (not implemented)')); continue; }
    const hasE = r.operands.some((o) => /^[EMW]/.test(o));
    const kinds = !hasE ? [false] : r.mod === 'mem' || r.operands.some((o) => /^M/.test(o)) ? [true] : r.mod === 'reg' ? [false] : [false, true];
    const reps: Form['rep'][] = r.attrs.includes('rep') ? (/^(CMPS|SCAS)/.test(r.mnemonic) ? ['', 'F3', 'F2'] : ['', 'F3']) : [''];
    for (const mode of [64, 32] as const) {
      if (mode === 64 && r.attrs.includes('i64')) continue;
      if (mode === 32 && r.attrs.includes('o64')) continue;
      for (const size of sizesOf(r, mode)) for (const mem of kinds) for (const rep of reps) {
        forms.push({ name: `${rep ? (rep === 'F3' ? 'REP ' : 'REPNE ') : ''}${title} /${mode}-bit o${size} ${mem ? 'mem' : 'reg'}`, row: r, mode, size, mem, rep });
      }
    }
  }
  return { forms, skipped };
}

/** mulberry32: small seeded PRNG. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number { return this.u32() % n; }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
  pick<T>(xs: T[]): T { return xs[this.int(xs.length)]; }
}

const EDGE: bigint[] = [0n, 1n, 2n, 0xffff_ffff_ffff_ffffn, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn,
  0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n,
  0xffff_ffff_ffff_fffen, 0x8000_0000_0000_0001n];
const COUNTS = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255];
const FLAG_BITS = 0x8d5n; // OF SF ZF AF PF CF
const FLAG_LETTERS: Record<string, bigint> = { O: 0x800n, S: 0x80n, Z: 0x40n, A: 0x10n, P: 0x4n, C: 0x1n };

function value(rng: Rng): bigint {
  const k = rng.int(8);
  if (k < 2) return rng.pick(EDGE);
  if (k < 3) return BigInt(rng.int(256));
  if (k < 4) return BigInt(rng.u32());
  return rng.u64();
}

function imm(rng: Rng, bytes: number): bigint {
  const k = rng.int(4);
  let v: bigint;
  if (k === 0) v = BigInt(rng.pick(COUNTS));
  else if (k === 1) v = rng.pick(EDGE);
  else v = rng.u64();
  return BigInt.asUintN(bytes * 8, v);
}

function le(v: bigint, bytes: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return out;
}

/** Builds one case of form f. */
export function makeCase(f: Form, rng: Rng, id: number): Case {
  const r = f.row;
  const m64 = f.mode === 64;
  const nregs = m64 ? 16 : 8;
  const regs: bigint[] = [];
  for (let i = 0; i < 16; i++) regs.push(m64 ? value(rng) : value(rng) & 0xffff_ffffn);
  const isShift = /^(ROL|ROR|RCL|RCR|SHL|SAL|SHR|SAR|SHLD|SHRD)$/.test(r.mnemonic);
  if (isShift || rng.int(4) === 0) regs[1] = BigInt(rng.pick(COUNTS));
  if (/^(DIV|IDIV)$/.test(r.mnemonic) && rng.int(2) === 0) regs[2] = rng.int(2) ? 0n : (m64 ? 0xffff_ffff_ffff_ffffn : 0xffff_ffffn);
  regs[4] = BigInt(DATA_ADDR + 0x1000 + 8 * rng.int(0xc0));             // stack inside the data page
  const isString = /^(MOVS|CMPS|STOS|LODS|SCAS|INS|OUTS)/.test(r.mnemonic);
  if (isString) {
    regs[6] = BigInt(DATA_ADDR + 0x800 + rng.int(0x800));
    regs[7] = BigInt(DATA_ADDR + 0x800 + rng.int(0x800));
    regs[1] = BigInt(rng.int(f.rep ? 24 : 4));
  }
  if (/^(LOOP|JrCXZ)/.test(r.mnemonic) && rng.int(2)) regs[1] = BigInt(rng.int(3));
  const bytes: number[] = [];
  const byteOps = f.size === 8;
  let rex = 0;
  const wantRex = m64 && byteOps && rng.int(2) === 0;
  if (f.size === 16 && r.sizeKind !== 'W') bytes.push(0x66);
  if (f.rep) bytes.push(parseInt(f.rep, 16));
  if (r.prefix) bytes.push(parseInt(r.prefix, 16));
  if (m64 && f.size === 64 && r.sizeKind === 'V') rex |= 0x48;
  // ModRM.
  let modrmBytes: number[] = [];
  let memTarget = -1;
  let regField = r.reg >= 0 ? r.reg : rng.int(nregs);
  if (r.operands.some((o) => /^[SCD]/.test(o))) regField = r.reg >= 0 ? r.reg : rng.int(8);
  if (r.modrm) {
    if (regField >= 8) rex |= 0x44;
    const reg3 = regField & 7;
    if (r.rm >= 0) modrmBytes = [0xc0 | (reg3 << 3) | r.rm];
    else if (!f.mem) {
      const rm = rng.int(nregs);
      if (rm >= 8) rex |= 0x41;
      modrmBytes = [0xc0 | (reg3 << 3) | (rm & 7)];
      if (/^(JMP|CALL)$/.test(r.mnemonic) && rng.int(2)) regs[rm] = BigInt(CODE_ADDR + 4 + 2 * rng.int(3));
    } else {
      // [base + index*scale + disp8] inside the data page.
      let base = rng.int(nregs);
      while ((base & 7) === 4 || base === 4) base = rng.int(nregs);
      const useSib = rng.int(3) === 0;
      const disp = rng.int(128) - 64;
      const target = sseTarget(r, DATA_ADDR + 0x200 + rng.int(0x1a00));
      memTarget = target;
      if (useSib) {
        let index = rng.int(nregs);
        while (index === 4 || index === base) index = rng.int(nregs);
        const scale = rng.int(4);
        const iv = rng.int(16);
        regs[index] = BigInt(iv);
        regs[base] = BigInt(target - disp - (iv << scale));
        if (base >= 8) rex |= 0x41;
        if (index >= 8) rex |= 0x42;
        modrmBytes = [0x44 | (reg3 << 3), (scale << 6) | ((index & 7) << 3) | (base & 7), disp & 0xff];
      } else {
        regs[base] = BigInt(target - disp);
        if (base >= 8) rex |= 0x41;
        modrmBytes = [0x40 | (reg3 << 3) | (base & 7), disp & 0xff];
      }
    }
  }
  let opcode = r.opcode;
  if (r.plusR) {
    const z = rng.int(nregs);
    if (z >= 8) rex |= 0x41;
    opcode += z & 7;
  }
  if (wantRex) rex |= 0x40;
  if (rex) bytes.push(rex);
  if (r.map >= 1) bytes.push(0x0f);
  if (r.map === 2) bytes.push(0x38);
  if (r.map === 3) bytes.push(0x3a);
  bytes.push(opcode, ...modrmBytes);
  // Immediates (IMM_KINDS in scripts/cpu/table.ts).
  const osz = f.size / 8;
  for (const k of [r.imm1, r.imm2]) {
    if (k === 0) continue;
    if (k === 1) bytes.push(...le(imm(rng, 1), 1));
    else if (k === 2) bytes.push(...le(r.mnemonic === 'ENTER' ? BigInt(rng.int(64)) : imm(rng, 2), 2));
    else if (k === 3) bytes.push(...le(imm(rng, osz === 2 ? 2 : 4), osz === 2 ? 2 : 4));
    else if (k === 4) bytes.push(...le(imm(rng, osz), osz));
    else if (k === 5) bytes.push(2 * rng.int(4));
    else if (k === 6) bytes.push(...le(BigInt(2 * rng.int(4)), osz === 2 ? 2 : 4));
    else if (k === 7) bytes.push(...le(BigInt(DATA_ADDR + rng.int(DATA_SIZE - 8)), m64 ? 8 : 4));
  }
  if (r.mnemonic === 'ENTER') bytes[bytes.length - 1] = rng.int(4);
  for (let i = 0; i < 4; i++) bytes.push(0x0f, 0x0b); // UD2 padding: the end of every case
  let undefMask = 0n;
  for (const ch of r.undef) undefMask |= FLAG_LETTERS[ch] ?? 0n;
  const rflags = 0x202n | (BigInt(rng.u32()) & FLAG_BITS) | (rng.int(5) === 0 ? 0x400n : 0n);
  // Stack contents that make popped values meaningful: flags without TF/NT/AC (POPF), return
  // addresses into the UD2 padding (RET).
  const pokes: [number, Uint8Array][] = [];
  const spOff = Number(regs[4]) - DATA_ADDR;
  if (r.mnemonic === 'POPF') pokes.push([spOff, Uint8Array.from(le((rng.u64() & 0xcd5n) | (rng.int(2) ? 0x200n : 0n), 8))]);
  if (r.mnemonic === 'RET' && rng.int(4) !== 0) pokes.push([spOff, Uint8Array.from(le(BigInt(CODE_ADDR + bytes.length - 8 + 2 * rng.int(4)), 8))]);
  const seed = rng.u32() | 1;
  const fp = sseCaseExtras(r, memTarget, seed, pokes, f.size);
  return { form: f, id, code: Uint8Array.from(bytes), regs, rflags, seed, undefMask, pokes, fp, memTarget };
}

/** The data page of a case: the seeded fill plus the case's patches. */
export function caseData(c: Case): Uint8Array {
  const d = fillData(c.seed);
  for (const [off, b] of c.pokes) d.set(b.subarray(0, Math.max(0, DATA_SIZE - off)), off);
  return d;
}

/** The data page contents for a seed (xorshift32, as runner.c's fill()). */
export function fillData(seed: number): Uint8Array {
  const out = new Uint8Array(DATA_SIZE);
  const dv = new DataView(out.buffer);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < DATA_SIZE; i += 4) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    dv.setUint32(i, s, true);
  }
  return out;
}
