// test/diff/run.ts — the differential test: every form of the opcode table runs on the real CPU
// (runner.c) and on the core, and everything is compared: exception vector and error code (CR2
// for #PF), RIP, the GPRs (low 32 bits of the first 8 in compatibility mode), the arithmetic
// flags and DF (minus the SDM's undefined flags of the form), and every data byte.
// Usage: npx tsx test/diff/run.ts [--full] [--seed N] [--filter TEXT] [--verbose]
// --full names every skipped form (one line per reason); --verbose one line per skipped form.
// Ends with one JSON line {"forms":N,"cases":M,"mismatches":K,"skipped":S}.
import { buildCore, TestMachine, GPR_NAMES, DATA_SIZE } from './core.js';
import { enumerateForms, loadRows, makeCase, caseData, Rng, Case } from './cases.js';
import { runNative, compatModeUsable, NativeResult } from './native.js';
import { loadFp, readFp, compareFp, maskedDataByte } from './sse-cases.js';
import { describeX87 } from './x87-cases.js';

export interface DiffSummary { forms: number; cases: number; mismatches: number; skipped: number; report: string[]; skippedNames: string[] }

const VECTORS_WITH_ERROR = new Set([8, 10, 11, 12, 13, 14, 17]);
const CPU_EXIT_EXCEPTION = 8;
const NATIVE_TIMEOUT = 0x3e7; // runner.c: SIGALRM after 2 s
const CODE_PAGE = 0x1000_0000n;

/** The host kernel's half of the address space is mapped on the real CPU and not in the core's
 * test machine: a #PF there differs only in P (present), which is the host's, not the form's. */
function errorCode(error: number, r: { vector: number; cr2: bigint }): number {
  return r.vector === 14 && r.cr2 >= 0xffff_8000_0000_0000n ? error & ~1 : error;
}

export function compare(c: Case, n: NativeResult, m: TestMachine): string[] {
  const data = caseData(c);
  loadFp(m, c.fp);
  const r = m.runCase(c.form.mode === 32, c.code, data, c.regs, c.rflags);
  const bad: string[] = [];
  if (r.exit !== CPU_EXIT_EXCEPTION) { bad.push(`core exit ${r.exit} (info ${r.vector}), native vector ${n.vector}`); return bad; }
  if (r.vector !== n.vector) bad.push(`vector core ${r.vector} native ${n.vector}`);
  else if (VECTORS_WITH_ERROR.has(n.vector) && errorCode(r.error, r) !== errorCode(n.error, n)) bad.push(`error code core ${r.error} native ${n.error}`);
  if (n.vector === 14 && r.cr2 !== n.cr2) bad.push(`cr2 core ${r.cr2.toString(16)} native ${n.cr2.toString(16)}`);
  if (r.rip !== n.rip) bad.push(`rip core ${r.rip.toString(16)} native ${n.rip.toString(16)}`);
  const fmask = 0xcd5n & ~c.undefMask;
  if ((r.rflags & fmask) !== (n.rflags & fmask)) bad.push(`rflags core ${(r.rflags & fmask).toString(16)} native ${(n.rflags & fmask).toString(16)}`);
  const compat = c.form.mode === 32;
  for (let i = 0; i < (compat ? 8 : 16); i++) {
    const a = compat ? r.regs[i] & 0xffff_ffffn : r.regs[i];
    const b = compat ? n.regs[i] & 0xffff_ffffn : n.regs[i];
    if (a !== b) bad.push(`${GPR_NAMES[i]} core ${a.toString(16)} native ${b.toString(16)}`);
  }
  for (let i = 0; i < DATA_SIZE; i++) {
    const want = n.changes.get(i) ?? data[i];
    if (r.data[i] !== want && !maskedDataByte(c.form.row, i, c.memTarget)) { bad.push(`data[${i.toString(16)}] core ${r.data[i].toString(16)} native ${want.toString(16)}`); break; }
  }
  bad.push(...compareFp(readFp(m), n.fp, c.form.row));
  return bad;
}

export function runDiff(opts: { full: boolean; seed: number; filter?: string; perForm?: number; optimize?: number }): DiffSummary {
  const { forms: every, skipped } = enumerateForms(loadRows());
  const compat = compatModeUsable();
  // Where the oracle cannot run 32-bit code, those forms are named as skipped, not compared.
  if (!compat) skipped.push(...every.filter((f) => f.mode === 32).map((f) => `${f.name} (host cannot run 32-bit compatibility-mode code)`));
  const all = compat ? every : every.filter((f) => f.mode === 64);
  const forms = opts.filter ? all.filter((f) => f.name.includes(opts.filter!)) : all;
  const perForm = opts.perForm ?? (opts.full ? 200 : 12);
  const rng = new Rng(opts.seed);
  const cases: Case[] = [];
  for (const f of forms) for (let i = 0; i < perForm; i++) cases.push(makeCase(f, rng, cases.length));
  const native = runNative(cases);
  // A case the runner's 2 s alarm stopped outside the test code (a loaded host, not the form) runs
  // again once; one that times out again is compared (and reported) as it is.
  const stalled = cases.filter((c) => { const n = native.get(c.id); return n?.vector === NATIVE_TIMEOUT && (n.rip < CODE_PAGE || n.rip >= CODE_PAGE + 0x1000n); });
  if (stalled.length) for (const [id, r] of runNative(stalled)) native.set(id, r);
  const m = new TestMachine(buildCore(opts.optimize ?? 3));
  const report: string[] = [];
  let mismatches = 0;
  const badForms = new Set<string>();
  const outcomes = new Map<string, number>();
  for (const c of cases) {
    const n = native.get(c.id);
    if (n) { const k = n.vector === 6 && n.rip > 0x1000_0000n + BigInt(c.code.length - 9) ? 'completed' : `vector ${n.vector}`; outcomes.set(k, (outcomes.get(k) ?? 0) + 1); }
    const bad = n ? compare(c, n, m) : ['runner produced no result'];
    if (bad.length > 0) {
      mismatches++;
      if (!badForms.has(c.form.name) || report.length < 40) {
        report.push(`MISMATCH ${c.form.name} [${Buffer.from(c.code).toString('hex')}] regs ${c.regs.map((v) => v.toString(16)).join(' ')} fl ${c.rflags.toString(16)}${describeX87(c.fp)}: ${bad.join('; ')}`);
      }
      badForms.add(c.form.name);
    }
  }
  report.push(`outcomes on the real CPU: ${[...outcomes].map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  if (!compat) report.push(`this host cannot run 32-bit compatibility-mode code: ${every.length - all.length} 32-bit forms not tested`);
  return { forms: forms.length, cases: cases.length, mismatches, skipped: skipped.length, report, skippedNames: skipped };
}

/** The skipped forms by name, one line per reason: "skipped (REASON): NAME, NAME, …". */
export function skippedByReason(names: string[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const n of names) {
    const m = /^(.*) \((.*)\)$/.exec(n);
    const [name, reason] = m ? [m[1]!, m[2]!] : [n, 'no reason given'];
    byReason.set(reason, [...(byReason.get(reason) ?? []), name]);
  }
  return [...byReason].map(([reason, list]) => `skipped (${reason}): ${list.length} forms: ${list.join(', ')}`);
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  const args = process.argv.slice(2);
  const arg = (k: string) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
  const s = runDiff({ full: args.includes('--full'), seed: Number(arg('--seed') ?? 1), filter: arg('--filter'),
    perForm: arg('--per-form') ? Number(arg('--per-form')) : undefined, optimize: arg('-O') ? Number(arg('-O')) : undefined });
  for (const line of s.report) console.log(line);
  if (args.includes('--verbose')) for (const n of s.skippedNames) console.log(`skipped: ${n}`);
  else if (args.includes('--full')) for (const line of skippedByReason(s.skippedNames)) console.log(line);
  console.log(JSON.stringify({ forms: s.forms, cases: s.cases, mismatches: s.mismatches, skipped: s.skipped }));
}
