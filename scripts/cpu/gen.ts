// scripts/cpu/gen.ts — generator: opcode table -> decode tree + row attributes
// (core-wasm/assembly/cpu/gen/tables.ts), dispatch switch (cpu/gen/dispatch.ts) and the
// differential-test forms (test/diff/forms.gen.json). Run: npx tsx scripts/cpu/gen.ts
// Decode tree node (u32): type << 28 | payload. Types: 0 invalid, 1 leaf (row), 2 by mandatory
// prefix (4 children: none 66 F3 F2), 3 by ModRM.reg (8), 4 by ModRM.mod (2: memory, register),
// 5 by ModRM.rm (8), 6 by mode (2: legacy/compat, 64-bit). Children live in NODES at payload.
// Row attributes (u32, see ROW_* in cpu/decode.ts) and the row's first dispatch id.
import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTable, sizeVariants, SIZE_KINDS, Row } from './table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cpuDir = join(root, 'core-wasm', 'assembly', 'cpu');
const rows = parseTable();

// Handlers that exist in cpu/ops/*.ts; rows whose handler is missing dispatch to `ud` (#UD).
const exported = new Set<string>();
for (const f of readdirSync(join(cpuDir, 'ops'))) {
  const src = readFileSync(join(cpuDir, 'ops', f), 'utf8');
  for (const m of src.matchAll(/export (?:function|const) (\w+)/g)) exported.add(m[1]);
}

const nodes: number[] = [];
const NODE = (type: number, payload: number) => ((type << 28) | payload) >>> 0;

function alloc(n: number): number { const at = nodes.length; for (let i = 0; i < n; i++) nodes.push(0); return at; }

function build(rs: Row[], level: number, where: string): number {
  if (rs.length === 0) return 0;
  if (level === 0) { // mode
    if (rs.some((r) => r.attrs.has('o64')) && rs.some((r) => !r.attrs.has('o64'))) {
      const at = alloc(2);
      nodes[at] = build(rs.filter((r) => !r.attrs.has('o64')), 1, where);
      nodes[at + 1] = build(rs.filter((r) => !r.attrs.has('i64')), 1, where);
      return NODE(6, at);
    }
    return build(rs, 1, where);
  }
  if (level === 1) { // mandatory prefix
    if (rs.some((r) => r.prefix !== '')) {
      const at = alloc(4);
      const none = rs.filter((r) => r.prefix === '');
      ['', '66', 'F3', 'F2'].forEach((p, i) => {
        const own = rs.filter((r) => r.prefix === p && p !== '');
        nodes[at + i] = build(own.length > 0 ? own : none, 2, where);
      });
      return NODE(2, at);
    }
    return build(rs, 2, where);
  }
  if (level === 2) { // reg
    if (rs.some((r) => r.reg >= 0)) {
      const at = alloc(8);
      for (let i = 0; i < 8; i++) nodes[at + i] = build(rs.filter((r) => r.reg === i || r.reg < 0), 3, where);
      return NODE(3, at);
    }
    return build(rs, 3, where);
  }
  if (level === 3) { // mod
    if (rs.some((r) => r.mod !== '')) {
      const at = alloc(2);
      nodes[at] = build(rs.filter((r) => r.mod !== 'reg'), 4, where);
      nodes[at + 1] = build(rs.filter((r) => r.mod !== 'mem'), 4, where);
      return NODE(4, at);
    }
    return build(rs, 4, where);
  }
  if (level === 4) { // rm
    if (rs.some((r) => r.rm >= 0)) {
      const at = alloc(8);
      for (let i = 0; i < 8; i++) nodes[at + i] = build(rs.filter((r) => r.rm === i || r.rm < 0), 5, where);
      return NODE(5, at);
    }
    return build(rs, 5, where);
  }
  if (rs.length > 1) throw new Error(`opcode table: ambiguous forms at ${where}: ${rs.map((r) => r.text).join(' ;; ')}`);
  return NODE(1, rs[0].index);
}

// Top level: 4 maps x 256 opcodes. A `+r` row occupies 8 opcodes.
const top: number[] = new Array(4 * 256).fill(0);
for (let map = 0; map < 4; map++) {
  for (let op = 0; op < 256; op++) {
    const rs = rows.filter((r) => r.map === map && (r.opcode === op || (r.plusR && op >= r.opcode && op < r.opcode + 8)));
    top[map * 256 + op] = build(rs, 0, `map ${map} opcode ${op.toString(16)}`);
  }
}

// Straight-line handlers (the decoded-block cache, cpu/block.ts, keeps decoding past them): they
// never change RIP, CS, the mode, paging, the interrupt shadow or IF, and never read RIP or
// INSN_RIP (inside a block those are current only for its last instruction; x87 handlers read
// INSN_RIP for FIP, so they end blocks). Any other handler ends its block (a row whose handler is
// not listed is always safe, only slower).
// String handlers continue a block only without a REP/REPNE prefix (REP re-executes itself).
const STRAIGHT = new Set([
  'alu_AI', 'alu_EG', 'alu_EI', 'alu_GE', 'test_AI', 'test_EG', 'test_EI', 'incdec_E', 'incdec_Z', 'neg_E', 'not_E',
  'mov_AO', 'mov_OA', 'mov_EG', 'mov_EI', 'mov_GE', 'mov_ZI', 'mov_ES', 'lea', 'movzx_b', 'movzx_w', 'movsx_b',
  'movsx_w', 'movsxd', 'movbe_GM', 'movbe_MG', 'xchg_EG', 'xchg_ZA', 'cmov', 'setcc', 'cbw', 'cwd', 'bswap_Z',
  'xlat', 'lahf', 'sahf', 'clc', 'stc', 'cmc', 'cld', 'std', 'nop', 'pushf',
  'push_Z', 'pop_Z', 'push_E', 'pop_E', 'push_I', 'enter', 'leave', 'pusha', 'popa',
  'shift_E', 'shift_E1', 'shld', 'shrd', 'mul_E', 'imul_E', 'imul_GE', 'imul_GEI', 'div_E', 'idiv_E',
  'bt_EG', 'bt_EI', 'bsf', 'bsr', 'popcnt_GE', 'lzcnt', 'tzcnt', 'cmpxchg', 'cmpxchg8b', 'xadd', 'clflush',
  'ldmxcsr', 'stmxcsr', 'fxsave', 'fxrstor',
  'daa', 'das', 'aaa', 'aas', 'aam', 'aad',
]);
const STRING_OPS = new Set(['movs', 'cmps', 'stos', 'lods', 'scas']);
// Quiet block enders: near branches and x87 instructions end a block but change nothing else (no
// mode, CS, paging or serialization), so the block cache keeps its code epoch across them
// (cpu/codemap.ts). Every other block-ending handler is treated as a system instruction.
const QUIET = new Set(['jcc', 'jmp_J', 'jmp_E', 'call_J', 'call_E', 'ret', 'ret_I', 'loop', 'jrcxz',
  'emms', 'fnstcw', 'fldcw', 'fnstsw', 'fnstsw_ax', 'fnclex', 'fninit', 'fwait']);
const quiet = (h: string) => QUIET.has(h) || h.startsWith('x87_');
const straight = (h: string) => STRAIGHT.has(h) || h.startsWith('sse_');

// What each dispatch id is, for the interpreter's fast paths (cpu/fastops.ts): kind | arg << 5 |
// log2(operand size) << 9, where kind indexes FORM_KINDS (0 = none of them) and arg is the
// handler's constant argument (ALU_* operation or condition code).
const FORM_KINDS = ['', 'alu_EG', 'alu_GE', 'alu_EI', 'alu_AI', 'test_EG', 'test_EI', 'test_AI', 'mov_EG', 'mov_GE',
  'mov_EI', 'mov_ZI', 'lea', 'jcc', 'push_Z', 'pop_Z', 'movzx_b'];
const ALU_OPS = ['ALU_ADD', 'ALU_OR', 'ALU_ADC', 'ALU_SBB', 'ALU_AND', 'ALU_SUB', 'ALU_XOR', 'ALU_CMP'];
const formInfo: number[] = [];
function formWord(r: Row, t: string): number {
  const kind = FORM_KINDS.indexOf(r.handler);
  if (kind <= 0 || !exported.has(r.handler)) return 0;
  const a = r.args[0] ?? '';
  const arg = ALU_OPS.includes(a) ? ALU_OPS.indexOf(a) : /^[0-9]+$/.test(a) ? Number(a) : 0;
  return kind | (arg & 15) << 5 | ({ u8: 0, u16: 1, u32: 2, u64: 3 } as Record<string, number>)[t] << 9;
}

// Row attribute words and dispatch ids.
const rowAttr: number[] = [];
const rowBase: number[] = [];
const cases: string[] = [];
const imports = new Set<string>(['ud']);
let nextId = 0;
for (const r of rows) {
  let a = SIZE_KINDS.indexOf(r.sizeKind);
  if (r.modrm) a |= 1 << 3;
  if (r.gByte) a |= 1 << 4;
  if (r.eByte) a |= 1 << 5;
  if (r.plusR) a |= 1 << 6;
  if (r.zByte) a |= 1 << 7;
  a |= r.imm1 << 8; a |= r.imm2 << 12;
  if (r.attrs.has('i64')) a |= 1 << 16;
  if (r.attrs.has('o64')) a |= 1 << 17;
  if (r.mod === 'mem') a |= 1 << 18;
  if (r.mod === 'reg') a |= 1 << 19;
  if (r.attrs.has('lock')) a |= 1 << 20;
  if (r.prefix === '66') a |= 1 << 21;
  if (r.prefix === 'F3' || r.prefix === 'F2') a |= 1 << 22;
  if (exported.has(r.handler) && straight(r.handler)) a |= 1 << 23;
  if (exported.has(r.handler) && STRING_OPS.has(r.handler)) a |= 1 << 24;
  if (exported.has(r.handler) && quiet(r.handler)) a |= 1 << 25;
  rowAttr.push(a >>> 0);
  rowBase.push(nextId);
  const have = exported.has(r.handler);
  for (const t of sizeVariants(r)) {
    formInfo.push(formWord(r, t));
    if (have) {
      imports.add(r.handler);
      for (const arg of r.args) if (/^[A-Z_][A-Z0-9_]*$/.test(arg)) imports.add(arg);
      cases.push(`function h${nextId}(cpu: usize, d: usize): void { ${r.handler}<${t}>(cpu, d${r.args.map((x) => ', ' + x).join('')}); } // ${r.mnemonic} ${r.operands.join(',')}`);
    } else {
      cases.push(`function h${nextId}(cpu: usize, d: usize): void { ud<${t}>(cpu, d); } // ${r.mnemonic} ${r.operands.join(',')}: NOT IMPLEMENTED (${r.handler})`);
    }
    nextId++;
  }
}

const header = (what: string) =>
  `// GENERATED by scripts/cpu/gen.ts from scripts/cpu/opcodes.ts — do not edit by hand.\n// ${what}\n`;
const arr = (name: string, xs: number[]) =>
  `export const ${name}: StaticArray<u32> = [\n${chunk(xs.map((x) => '0x' + x.toString(16)), 12).join(',\n')}\n];\n`;
function chunk(xs: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < xs.length; i += n) out.push('  ' + xs.slice(i, i + n).join(', '));
  return out;
}

mkdirSync(join(cpuDir, 'gen'), { recursive: true });
writeFileSync(join(cpuDir, 'gen', 'tables.ts'),
  header('Decode tree (DEC_TOP: 4 maps x 256, DEC_NODES), row attributes, first dispatch id per row, form of each id.') +
  arr('DEC_TOP', top) + arr('DEC_NODES', nodes.length ? nodes : [0]) + arr('ROW_ATTR', rowAttr) + arr('ROW_BASE', rowBase) + arr('FORM_INFO', formInfo) +
  `export const DISPATCH_IDS: i32 = ${nextId};\n`);
// Dispatch: one small function per dispatch id (the handler inlined with its operand size and
// constant arguments), called through the function table (call_indirect). Small functions let V8
// compile each handler well and only the hot ones with its optimizing tier; one giant switch
// took TurboFan seconds to compile and spilled registers in every case (and binaryen makes a
// br_table only of switches of at most 1024 cases: larger ones stay a chain of compares).
writeFileSync(join(cpuDir, 'gen', 'dispatch.ts'),
  header('Dispatch: one function per (form, operand size); handlers are @inline, so constant arguments fold.') +
  `import { ${[...imports].sort().join(', ')} } from '../ops/index';\n\n` +
  cases.join('\n') + '\n\n' +
  `/** The handler of each dispatch id, indexed by id. */\n` +
  `export const HANDLERS: StaticArray<(cpu: usize, d: usize) => void> = [\n${chunk(cases.map((_, i) => `h${i}`), 16).join(',\n')}\n];\n` +
  `export const DISPATCH_COUNT: i32 = ${cases.length};\n\n` +
  `/** Function-table index of the handler of dispatch id \`id\` (for call_indirect; the first field of\n` +
  ` *  AssemblyScript's static function object). */\n` +
  `export function handlerIndex(id: i32): u32 {\n` +
  `  return load<u32>(changetype<usize>(unchecked(HANDLERS[<u32>id < <u32>DISPATCH_COUNT ? id : 0])));\n}\n\n` +
  `export function dispatch(cpu: usize, d: usize, id: i32): void {\n` +
  `  if (<u32>id >= <u32>DISPATCH_COUNT) { ud<u32>(cpu, d); return; }\n` +
  `  unchecked(HANDLERS[id])(cpu, d);\n}\n`);

const forms = rows.map((r) => ({
  row: r.index, mnemonic: r.mnemonic, operands: r.operands, map: r.map, opcode: r.opcode, prefix: r.prefix,
  reg: r.reg, mod: r.mod, rm: r.rm, plusR: r.plusR, modrm: r.modrm, sizeKind: r.sizeKind, imm1: r.imm1, imm2: r.imm2,
  undef: r.undef, attrs: [...r.attrs].filter((a) => !a.startsWith('undef=')), implemented: exported.has(r.handler),
}));
writeFileSync(join(root, 'test', 'diff', 'forms.gen.json'), JSON.stringify(forms, null, 0).replace(/\},\{/g, '},\n{') + '\n');
console.log(`rows ${rows.length}, dispatch ids ${nextId}, nodes ${nodes.length}, implemented ${forms.filter((f) => f.implemented).length}`);
