// test/diff/sse-cases.ts — the x87/SSE side of the differential test: operand sizes and memory
// alignment of the SSE forms, the FP state of a case (MXCSR with every rounding mode, FTZ/DAZ,
// masked and unmasked exceptions; FCW/FSW; XMM0-15 from integer patterns and float edge values:
// zeros, denormals, infinities, QNaN/SNaN, the integer-conversion limits), data-page patches that
// give LDMXCSR/FXRSTOR a valid MXCSR most of the time, the runner.c `fp=` token and its output,
// and the comparison (MXCSR, FCW, FSW, abridged FTW, XMM0-15). The x87 forms' register stack,
// control words and memory operands come from x87-cases.ts, which also compares ST0-ST7.
// Invariant: everything here draws from its own PRNG seeded by the case's data seed, so the
// integer forms' cases are the same with or without this file.
import { Rng, type FormRow } from './cases.js';
import { DATA_ADDR, type TestMachine } from './core.js';
import { isX87Row, x87CaseExtras, compareSt, fswMask } from './x87-cases.js';

// xmm: 32 quadwords; ftw (abridged) and st (ST0-ST7 as significand, sign+exponent pairs) are set
// for the x87 forms.
export interface FpState { mxcsr: number; fcw: number; fsw: number; xmm: bigint[]; ftw?: number; st?: bigint[] }
export interface FpOut extends FpState { ftw: number; fop: number; fip: bigint; fdp: bigint; st: bigint[] }

const XMM_OPERAND = /^[VWU]/;
const X87_CTL = /^(FXSAVE|FXRSTOR|LDMXCSR|STMXCSR|FNINIT|FNCLEX|FWAIT|FNSTCW|FLDCW|FNSTSW|EMMS)$/;

/** True for rows with XMM operands (their 16-bit operand size does not exist). */
export function isSseRow(r: FormRow): boolean { return r.operands.some((o) => XMM_OPERAND.test(o)); }

/** Operand sizes of SSE rows whose GPR operand follows REX.W (32/64 only); undefined otherwise. */
export function sseSizes(r: FormRow, mode: 64 | 32): number[] | undefined {
  if (!isSseRow(r) || r.sizeKind !== 'V') return undefined;
  return mode === 64 ? [32, 64] : [32];
}

/** Memory targets of SSE/FXSR rows: 16-byte aligned three times in four (derived from the target itself). */
export function sseTarget(r: FormRow, target: number): number {
  if (!isSseRow(r) && !X87_CTL.test(r.mnemonic)) return target;
  return (target & 0x30) !== 0 ? target & ~15 : target;
}

const F32_EDGE = [0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
  0x7fa00000, 0xff812345, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0x4f000000, 0xcf000000, 0x5f000000,
  0xdf000000, 0x3f000000, 0x3fc00000, 0x40490fdb, 0x4effffff, 0x00400000, 0x0c000000, 0x72000000];
const F64_EDGE = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x7ff0000000000000n,
  0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff0000000000001n, 0x7ff4000000000000n,
  0x0000000000000001n, 0x800fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn, 0x41e0000000000000n,
  0xc1e0000000000000n, 0x43e0000000000000n, 0xc3e0000000000000n, 0x3fe0000000000000n, 0x3ff8000000000000n,
  0x400921fb54442d18n, 0x41dfffffffc00000n, 0x47efffffe0000000n, 0x36a0000000000000n, 0x3810000000000000n,
  0x0008000000000000n, 0x7e00000000000000n];

function quad(rng: Rng, kind: number): bigint {
  if (kind === 0) { // two f32 lanes
    const lane = () => BigInt(rng.int(3) ? rng.pick(F32_EDGE) >>> 0 : rng.u32());
    return lane() | (lane() << 32n);
  }
  if (kind === 1) return rng.int(3) ? rng.pick(F64_EDGE) : rng.u64();
  if (kind === 2) return BigInt(rng.int(3) ? rng.int(256) : rng.u32()) * 0x0101010101010101n & 0xffffffffffffffffn;
  return rng.u64();
}

/** The MXCSR of a case: every rounding mode; mostly all exceptions masked; sometimes FTZ/DAZ/flags. */
function mxcsrOf(rng: Rng): number {
  let m = (rng.int(4) << 13) | (rng.int(4) === 0 ? rng.int(64) << 7 : 0x1f80);
  if (rng.int(4) === 0) m |= 0x8000;
  if (rng.int(4) === 0) m |= 0x40;
  if (rng.int(3) === 0) m |= rng.int(64);
  return m;
}

function fcwOf(rng: Rng): number { return rng.int(3) ? 0x37f : (rng.u32() & 0x1f3f) | 0x40; }

function fswOf(rng: Rng, fcw: number): number {
  if (rng.int(2)) return 0;
  const sw = rng.u32() & 0x477f; // exception flags, SF, C0-C3 (TOP 0)
  return (sw & ~fcw & 0x3f) !== 0 ? sw | 0x8080 : sw;
}

/** FP state, and data patches (a valid MXCSR for LDMXCSR/FXRSTOR three times in four). */
export function sseCaseExtras(r: FormRow, memTarget: number, seed: number, pokes: [number, Uint8Array][], osize = 32): FpState {
  const rng = new Rng(seed ^ 0x5eed5eed);
  const xmm: bigint[] = [];
  for (let i = 0; i < 16; i++) {
    const kind = rng.int(5);
    xmm.push(quad(rng, kind), quad(rng, kind));
  }
  const fcw = fcwOf(rng);
  const fp: FpState = { mxcsr: mxcsrOf(rng), fcw, fsw: fswOf(rng, fcw), xmm };
  if (memTarget >= 0 && /^(LDMXCSR|FXRSTOR)$/.test(r.mnemonic) && rng.int(4) !== 0) {
    const off = memTarget - DATA_ADDR + (r.mnemonic === 'FXRSTOR' ? 24 : 0);
    const v = mxcsrOf(rng);
    pokes.push([off, Uint8Array.from([v & 0xff, (v >> 8) & 0xff, 0, 0])]);
  }
  if (isX87Row(r)) {
    const x = x87CaseExtras(r, osize, memTarget, seed, pokes);
    return { ...fp, fcw: x.fcw, fsw: x.fsw, ftw: x.ftw, st: x.st };
  }
  return fp;
}

/** runner.c's input token. */
export function fpToken(fp: FpState | undefined): string[] {
  if (!fp) return [];
  const x87 = fp.st ? [(fp.ftw ?? 0).toString(16), ...fp.st.map((v) => v.toString(16))] : [];
  return [`fp=${[fp.mxcsr, fp.fcw, fp.fsw].map((v) => v.toString(16)).concat(fp.xmm.map((v) => v.toString(16)), x87).join(',')}`];
}

/** runner.c's FP output: 55 tokens from index `at`. */
export function parseFpOut(t: string[], at: number): FpOut | undefined {
  if (t.length < at + 55) return undefined;
  const n = (i: number) => parseInt(t[at + i], 16);
  const b = (i: number) => BigInt('0x' + t[at + i]);
  return { mxcsr: n(0), fcw: n(1), fsw: n(2), ftw: n(3), xmm: Array.from({ length: 32 }, (_, i) => b(4 + i)),
    fop: n(36), fip: b(37), fdp: b(38), st: Array.from({ length: 16 }, (_, i) => b(39 + i)) };
}

const FX_XMM = 160;
const FX_ST = 32;

/** Loads the case's FP state into the core's FXSAVE image (the rest of the x87 state cleared). */
export function loadFp(m: TestMachine, fp: FpState | undefined): void {
  const s = fp ?? { mxcsr: 0x1f80, fcw: 0x37f, fsw: 0, xmm: new Array<bigint>(32).fill(0n) };
  const base = m.cpu + m.o('CPU_OFF_FXSAVE');
  new Uint8Array(m.mem.buffer, base, 512).fill(0); // with the x87 selectors kept past the image
  const dv = new DataView(m.mem.buffer);
  dv.setUint16(base, s.fcw, true);
  dv.setUint16(base + 2, s.fsw, true);
  dv.setUint32(base + 24, s.mxcsr, true);
  dv.setUint32(base + 28, 0xffff, true);
  s.xmm.forEach((v, i) => dv.setBigUint64(base + FX_XMM + 8 * i, v, true));
  dv.setUint8(base + 4, s.ftw ?? 0);
  if (s.st) for (let i = 0; i < 8; i++) {
    dv.setBigUint64(base + FX_ST + 16 * i, s.st[2 * i], true);
    dv.setUint16(base + FX_ST + 16 * i + 8, Number(s.st[2 * i + 1]), true);
  }
}

export function readFp(m: TestMachine): FpOut {
  const base = m.cpu + m.o('CPU_OFF_FXSAVE');
  const dv = new DataView(m.mem.buffer);
  return {
    fcw: dv.getUint16(base, true), fsw: dv.getUint16(base + 2, true), ftw: dv.getUint8(base + 4),
    mxcsr: dv.getUint32(base + 24, true), xmm: Array.from({ length: 32 }, (_, i) => dv.getBigUint64(base + FX_XMM + 8 * i, true)),
    fop: dv.getUint16(base + 6, true), fip: dv.getBigUint64(base + 8, true), fdp: dv.getBigUint64(base + 16, true),
    st: Array.from({ length: 16 }, (_, i) => (i & 1 ? BigInt(dv.getUint16(base + FX_ST + 16 * (i >> 1) + 8, true)) : dv.getBigUint64(base + FX_ST + 16 * (i >> 1), true))),
  };
}

export function compareFp(core: FpOut, native: FpOut | undefined, r?: FormRow): string[] {
  if (!native) return ['runner produced no FP state'];
  const bad: string[] = [];
  const h = (v: number | bigint) => v.toString(16);
  if (core.mxcsr !== native.mxcsr) bad.push(`mxcsr core ${h(core.mxcsr)} native ${h(native.mxcsr)}`);
  if (core.fcw !== native.fcw) bad.push(`fcw core ${h(core.fcw)} native ${h(native.fcw)}`);
  const fm = fswMask(r);
  if ((core.fsw & fm) !== (native.fsw & fm)) bad.push(`fsw core ${h(core.fsw)} native ${h(native.fsw)}`);
  bad.push(...compareSt(core.st, native.st, fm !== 0xffff));
  if (native.fsw & 0x80 && (core.fop !== native.fop || core.fip !== native.fip || core.fdp !== native.fdp)) {
    bad.push(`fop/fip/fdp core ${h(core.fop)} ${h(core.fip)} ${h(core.fdp)} native ${h(native.fop)} ${h(native.fip)} ${h(native.fdp)}`);
  }
  if ((core.ftw & 0xff) !== (native.ftw & 0xff)) bad.push(`ftw core ${h(core.ftw)} native ${h(native.ftw)}`);
  for (let i = 0; i < 16; i++) {
    const [a0, a1, b0, b1] = [core.xmm[2 * i], core.xmm[2 * i + 1], native.xmm[2 * i], native.xmm[2 * i + 1]];
    if (a0 !== b0 || a1 !== b1) bad.push(`xmm${i} core ${h(a1).padStart(16, '0')}${h(a0).padStart(16, '0')} native ${h(b1).padStart(16, '0')}${h(b0).padStart(16, '0')}`);
  }
  return bad;
}

/** MXCSR_MASK is model-specific (this host's may include bit 17, MM): FXSAVE's byte 30 is not compared. */
export function maskedDataByte(r: FormRow, offset: number, memTarget: number | undefined): boolean {
  return r.attrs.includes('mxcsrmask') && memTarget !== undefined && offset === memTarget - DATA_ADDR + 30;
}
