// test/diff/x87-seq.ts — x87 instruction sequences on the real CPU and on the core: what one
// instruction per case cannot show. Each case runs 1-4 random x87 forms (all D8-DF rows except the
// transcendentals, which are only within 1 ulp, plus FWAIT) from an interesting register stack
// (x87-cases.ts), then FNSTENV [rsi] and UD2, and compares everything as run.ts does: the stored
// environment shows FOP, FIP/FCS and FDP/FDS of the last non-control instruction (SDM vol. 1
// 8.1.8-8.1.9) and the full tag word, and an unmasked exception raised by one instruction must
// reach the next waiting instruction as #MF (vol. 1 8.6) with the state as it left it.
// Usage: npx tsx test/diff/x87-seq.ts [--seed N] [--count N]; ends with {"cases":N,"mismatches":K}.
import { buildCore, TestMachine, DATA_ADDR } from './core.js';
import { loadRows, Rng, type Case, type Form, type FormRow } from './cases.js';
import { runNative } from './native.js';
import { compare } from './run.js';
import { x87State, isTranscendental, describeX87 } from './x87-cases.js';

const RBX_OFF = 0x800;  // memory operands: [rbx + disp8]
const RSI_OFF = 0x1000; // the final FNSTENV

function x87Rows(): FormRow[] {
  return loadRows().filter((r) => r.implemented && ((r.map === 0 && r.opcode >= 0xd8 && r.opcode <= 0xdf) || r.mnemonic === 'FWAIT') &&
    !isTranscendental(r));
}

/** The bytes of one instance of row r: memory forms address [rbx + disp8]. */
function encode(r: FormRow, rng: Rng): number[] {
  const out: number[] = [];
  if (r.attrs.includes('osz') && rng.int(2)) out.push(0x66);
  out.push(r.opcode);
  if (!r.modrm) return out;
  const reg = r.reg >= 0 ? r.reg : 0;
  if (r.rm >= 0) out.push(0xc0 | (reg << 3) | r.rm);
  else if (r.mod === 'mem' || (r.mod === '' && rng.int(2))) out.push(0x43 | (reg << 3), 8 * rng.int(14));
  else out.push(0xc0 | (reg << 3) | rng.int(8));
  return out;
}

export function makeSequences(count: number, seed: number): Case[] {
  const rows = x87Rows();
  const fnstenv = rows.find((r) => r.mnemonic === 'FNSTENV')!;
  const rng = new Rng(seed);
  const cases: Case[] = [];
  for (let id = 0; id < count; id++) {
    const code: number[] = [];
    const n = 1 + rng.int(4);
    for (let k = 0; k < n; k++) code.push(...encode(rng.pick(rows), rng));
    code.push(0xd9, 0x36); // FNSTENV [rsi]
    for (let i = 0; i < 4; i++) code.push(0x0f, 0x0b);
    const regs = new Array<bigint>(16).fill(0n).map(() => rng.u64());
    regs[3] = BigInt(DATA_ADDR + RBX_OFF);
    regs[4] = BigInt(DATA_ADDR + 0x1800);
    regs[6] = BigInt(DATA_ADDR + RSI_OFF);
    const s = x87State(rng);
    const pokes: [number, Uint8Array][] = [];
    // Operands worth computing with: f80/f64/f32 values and small integers under [rbx].
    const mem = new Uint8Array(0x80);
    const dv = new DataView(mem.buffer);
    for (let o = 0; o < 0x80; o += 8) dv.setBigUint64(o, rng.int(2) ? s.st[rng.int(16)] : BigInt(rng.int(2000)), true);
    pokes.push([RBX_OFF, mem]);
    const form: Form = { name: 'x87 sequence', row: fnstenv, mode: 64, size: 32, mem: true, rep: '' };
    cases.push({ form, id, code: Uint8Array.from(code), regs, rflags: 0x202n | (BigInt(rng.u32()) & 0x8d5n), seed: rng.u32() | 1,
      undefMask: 0n, pokes, fp: { mxcsr: 0x1f80, fcw: s.fcw, fsw: s.fsw, xmm: new Array<bigint>(32).fill(0n), ftw: s.ftw, st: s.st },
      memTarget: DATA_ADDR + RSI_OFF });
  }
  return cases;
}

export function runSequences(count: number, seed: number, optimize = 1): { cases: number; mismatches: number; report: string[] } {
  const cases = makeSequences(count, seed);
  const native = runNative(cases);
  const m = new TestMachine(buildCore(optimize));
  const report: string[] = [];
  let mismatches = 0;
  for (const c of cases) {
    const n = native.get(c.id);
    const bad = n ? compare(c, n, m) : ['runner produced no result'];
    if (bad.length === 0) continue;
    mismatches++;
    if (report.length < 30) report.push(`MISMATCH [${Buffer.from(c.code).toString('hex')}]${describeX87(c.fp)}: ${bad.join('; ')}`);
  }
  return { cases: cases.length, mismatches, report };
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  const args = process.argv.slice(2);
  const arg = (k: string) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
  const r = runSequences(Number(arg('--count') ?? 500), Number(arg('--seed') ?? 1), Number(arg('-O') ?? 1));
  for (const l of r.report) console.log(l);
  console.log(JSON.stringify({ cases: r.cases, mismatches: r.mismatches }));
}
