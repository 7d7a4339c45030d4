// test/diff/sse-run.ts — runs the differential test on the x87-control/SSE forms only (the rows of
// scripts/cpu/opcodes-sse.ts), for quick iteration on ops/sse*.ts, fxsr.ts and x87ctl.ts.
// Usage: npx tsx test/diff/sse-run.ts [--per-form N] [--seed N] [--filter TEXT] [-O N] [--wasm core.wasm]
// Ends with one JSON line {"forms":N,"cases":M,"mismatches":K}.
import { buildCore, TestMachine } from './core.js';
import { enumerateForms, loadRows, makeCase, Rng, Case } from './cases.js';
import { runNative } from './native.js';
import { compare as compareCase } from './run.js';
import { isSseRow } from './sse-cases.js';

const X87_OR_SSE = /^(FXSAVE|FXRSTOR|LDMXCSR|STMXCSR|FNINIT|FNCLEX|FWAIT|FNSTCW|FLDCW|FNSTSW|EMMS|CRC32|MOVNTI)$/;
const args = process.argv.slice(2);
const arg = (k: string) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
const filter = arg('--filter');
const forms = enumerateForms(loadRows()).forms
  .filter((f) => isSseRow(f.row) || X87_OR_SSE.test(f.row.mnemonic))
  .filter((f) => !filter || f.name.includes(filter));
const perForm = Number(arg('--per-form') ?? 40);
const rng = new Rng(Number(arg('--seed') ?? 1));
const cases: Case[] = [];
for (const f of forms) for (let i = 0; i < perForm; i++) cases.push(makeCase(f, rng, cases.length));
const native = runNative(cases);
const m = new TestMachine(arg('--wasm') ?? buildCore(Number(arg('-O') ?? 1)));
let mismatches = 0;
const shown = new Map<string, number>();
const outcomes = new Map<string, number>();
for (const c of cases) {
  const n = native.get(c.id);
  if (n) { const k = n.vector === 6 && n.rip >= 0x1000_0000n + BigInt(c.code.length - 8) ? 'completed' : `vector ${n.vector}`; outcomes.set(k, (outcomes.get(k) ?? 0) + 1); }
  const bad = n ? compareCase(c, n, m) : ['runner produced no result'];
  if (bad.length === 0) continue;
  mismatches++;
  const k = shown.get(c.form.name) ?? 0;
  shown.set(c.form.name, k + 1);
  if (k < 2) console.log(`MISMATCH ${c.form.name} [${Buffer.from(c.code).toString('hex')}] fp ${JSON.stringify({ mxcsr: c.fp?.mxcsr.toString(16), fcw: c.fp?.fcw.toString(16), fsw: c.fp?.fsw.toString(16) })}: ${bad.join('; ')}`);
}
console.log(`outcomes on the real CPU: ${[...outcomes].map(([k, v]) => `${k}: ${v}`).join(', ')}`);
console.log(`forms with mismatches: ${[...shown].map(([k, v]) => `${k} (${v})`).join(', ')}`);
console.log(JSON.stringify({ forms: forms.length, cases: cases.length, mismatches }));
