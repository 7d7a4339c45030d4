// scripts/cpu/table.ts — parses the opcode table (opcodes.ts) into typed rows, shared by the
// generator (gen.ts), the differential-test form builder and the disassembler.
// Invariant: one parsed row = one instruction form with a fixed opcode path; `+cc` rows are
// expanded here into 16 rows; `+r` rows stay one row (the register is decoded at run time).
import { OPCODES } from './opcodes.js';

export const CC_NAMES = ['O', 'NO', 'B', 'AE', 'E', 'NE', 'BE', 'A', 'S', 'NS', 'P', 'NP', 'L', 'GE', 'LE', 'G'];

export type SizeKind = 'NONE' | 'B' | 'W' | 'V' | 'Z' | 'D64' | 'F64';
export const SIZE_KINDS: SizeKind[] = ['NONE', 'B', 'W', 'V', 'Z', 'D64', 'F64'];
export const IMM_KINDS = ['', 'Ib', 'Iw', 'Iz', 'Iv', 'Jb', 'Jz', 'O', 'Ap'];

export interface Row {
  index: number;
  text: string;            // the source line (after +cc expansion)
  map: number;             // 0 = one-byte, 1 = 0F, 2 = 0F 38, 3 = 0F 3A
  opcode: number;
  prefix: '' | '66' | 'F3' | 'F2';
  reg: number;             // ModRM.reg extension or -1
  mod: '' | 'mem' | 'reg';
  rm: number;              // fixed ModRM.rm (with mod = reg) or -1
  plusR: boolean;
  modrm: boolean;
  mnemonic: string;
  operands: string[];
  handler: string;
  args: string[];
  attrs: Set<string>;
  undef: string;           // letters from OSZAPC
  sizeKind: SizeKind;
  imm1: number;
  imm2: number;
  gByte: boolean;
  eByte: boolean;
  zByte: boolean;
}

const MODRM_OPS = /^([EGRSCDVUWNPQ][a-z]+|M[a-z]*)$/;

function sizeKindOf(ops: string[], attrs: Set<string>): SizeKind {
  if (attrs.has('d64')) return 'D64';
  if (attrs.has('f64')) return 'F64';
  if (attrs.has('osz')) return 'V';
  if (ops.some((o) => o === 'rAX' || /^[EGZXYOMI]v$/.test(o))) return 'V';
  if (ops.some((o) => /^(eAX|[GXY]z)$/.test(o))) return 'Z';
  if (ops.some((o) => /^(AL|[EGZXYO]b)$/.test(o))) return 'B';
  if (ops.some((o) => /^(Ew|Sw)$/.test(o))) return 'W';
  return 'NONE';
}

function immKind(o: string): number {
  const i = ['Ib', 'Iw', 'Iz', 'Iv', 'Jb', 'Jz'].indexOf(o);
  if (i >= 0) return i + 1;
  if (o === 'Ob' || o === 'Ov') return 7;
  if (o === 'Ap') return 8;
  return 0;
}

function parseLine(src: string, cc: number): Omit<Row, 'index'> {
  const parts = src.split('|').map((s) => s.trim());
  if (parts.length !== 4) throw new Error(`opcode table: need 4 '|' fields: ${src}`);
  const [opText, insnText, handlerText, attrText] = parts;
  let toks = opText.split(/\s+/);
  let prefix: Row['prefix'] = '';
  if (toks[0] === '66' || toks[0] === 'F3' || toks[0] === 'F2') { prefix = toks[0] as Row['prefix']; toks = toks.slice(1); }
  let map = 0;
  if (toks[0] === '0F') {
    map = 1; toks = toks.slice(1);
    if (toks[0] === '38') { map = 2; toks = toks.slice(1); } else if (toks[0] === '3A') { map = 3; toks = toks.slice(1); }
  }
  let opTok = toks.shift()!;
  let plusR = false;
  if (opTok.endsWith('+r')) { plusR = true; opTok = opTok.slice(0, -2); }
  let opcode = parseInt(opTok.replace('+cc', ''), 16);
  if (opTok.endsWith('+cc')) opcode += cc;
  if (Number.isNaN(opcode)) throw new Error(`opcode table: bad opcode in ${src}`);
  let reg = -1; let mod: Row['mod'] = ''; let rm = -1; let modrm = false;
  for (const t of toks) {
    if (/^\/[0-7]$/.test(t)) { reg = +t[1]; modrm = true; } else if (t === '/r') modrm = true;
    else if (t === '!11') mod = 'mem';
    else if (t === '11') mod = 'reg';
    else if (/^[0-9A-F]{2}$/.test(t)) {
      const b = parseInt(t, 16); modrm = true; mod = 'reg'; reg = (b >> 3) & 7; rm = b & 7;
      if (b >> 6 !== 3) throw new Error(`opcode table: fixed ModRM must be a register form: ${src}`);
    } else throw new Error(`opcode table: bad token '${t}' in ${src}`);
  }
  const sp = insnText.indexOf(' ');
  let mnemonic = sp < 0 ? insnText : insnText.slice(0, sp);
  const operands = sp < 0 ? [] : insnText.slice(sp + 1).split(',').map((s) => s.trim());
  if (mnemonic.includes('cc')) mnemonic = mnemonic.replace('cc', CC_NAMES[cc]);
  const hparts = handlerText.split(/\s+/);
  const handler = hparts[0];
  const args = hparts.slice(1).map((a) => (a === 'CC' ? String(cc) : a));
  const attrs = new Set(attrText.split(/\s+/).filter((s) => s.length > 0));
  let undef = '';
  for (const a of attrs) if (a.startsWith('undef=')) undef = a.slice(6);
  if (operands.some((o) => MODRM_OPS.test(o))) modrm = true;
  const imms = operands.map(immKind).filter((k) => k > 0);
  return {
    text: src, map, opcode, prefix, reg, mod, rm, plusR, modrm, mnemonic, operands, handler, args, attrs, undef,
    sizeKind: sizeKindOf(operands, attrs), imm1: imms[0] ?? 0, imm2: imms[1] ?? 0,
    gByte: operands.includes('Gb'), eByte: operands.includes('Eb'), zByte: operands.includes('Zb'),
  };
}

export function parseTable(): Row[] {
  const rows: Row[] = [];
  for (const line of OPCODES) {
    const ccForm = line.split('|')[0].includes('+cc');
    for (let cc = 0; cc < (ccForm ? 16 : 1); cc++) {
      const r = parseLine(line, cc);
      rows.push({ index: rows.length, ...r });
    }
  }
  return rows;
}

/** Operand-size variants of a row: the type names of its dispatch ids, in id order. */
export function sizeVariants(r: Row): string[] {
  switch (r.sizeKind) {
    case 'B': return ['u8'];
    case 'W': return ['u16'];
    case 'NONE': return ['u32'];
    default: return ['u16', 'u32', 'u64'];
  }
}
