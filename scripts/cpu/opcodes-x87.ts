// scripts/cpu/opcodes-x87.ts — the x87 FPU rows of the opcode table (escape opcodes D8-DF, SDM
// vol. 2 appendix A.4 "Escape opcode instructions"; format: see the header of opcodes.ts), spread
// into OPCODES next to SSE_ROWS. The control rows FNINIT, FNCLEX, FNSTCW, FLDCW, FNSTSW and FWAIT
// stay in opcodes-sse.ts; the register rows here leave their fixed ModRM bytes (DB E2, DB E3,
// DF E0) free.
// Operands: STi = ST(ModRM.rm), ST0 = the stack top; memory operands by size: Mw (m16int, m2byte),
// Md (m32fp / m32int), Mq (m64fp / m64int), Mt (m80fp / m80bcd), M (environment / state image,
// 14/28 or 94/108 bytes by operand size: attribute osz).
// Handler arguments: X87_ADD..X87_DIVR (dest = dest OP source, SUBR/DIVR = source OP dest),
// XM_* memory operand kinds, TO_STI (1: the destination is ST(i), 0: ST0), pop counts.
// Handlers: cpu/ops/x87ldst.ts, x87arith.ts, x87cmp.ts, x87misc.ts, x87env.ts.
// Aliases the SDM lists as reserved but every x87 since the 387 decodes (FSTP1 D9 D8+i, FCOM2
// DC D0+i, FCOMP3 DC D8+i, FXCH4 DD C8+i, FCOMP5 DE D0+i, FXCH7 DF C8+i, FSTP8/9 DF D0+i/D8+i,
// FFREEP DF C0+i) and the 287 no-ops (FNENI, FNDISI, FNSETPM) are rows too.

const ARITH: [number, string, string][] = [
  [0, 'ADD', 'X87_ADD'], [1, 'MUL', 'X87_MUL'], [4, 'SUB', 'X87_SUB'], [5, 'SUBR', 'X87_SUBR'],
  [6, 'DIV', 'X87_DIV'], [7, 'DIVR', 'X87_DIVR'],
];
// DC/DE register forms name the operation from ST(i)'s side: /4 is FSUBR ST(i),ST0 (ST0 - ST(i)).
const ARITH_TO_STI: [number, string, string][] = [
  [0, 'ADD', 'X87_ADD'], [1, 'MUL', 'X87_MUL'], [4, 'SUBR', 'X87_SUBR'], [5, 'SUB', 'X87_SUB'],
  [6, 'DIVR', 'X87_DIVR'], [7, 'DIV', 'X87_DIV'],
];

function arith(): string[] {
  const rows: string[] = [];
  for (const [r, m, op] of ARITH) {
    rows.push(`D8 /${r} !11 | F${m} Md | x87_arith_m ${op} XM_F32 | `);
    rows.push(`DC /${r} !11 | F${m} Mq | x87_arith_m ${op} XM_F64 | `);
    rows.push(`DA /${r} !11 | FI${m} Md | x87_arith_m ${op} XM_I32 | `);
    rows.push(`DE /${r} !11 | FI${m} Mw | x87_arith_m ${op} XM_I16 | `);
    rows.push(`D8 /${r} 11 | F${m} ST0,STi | x87_arith_r ${op} 0 0 | `);
  }
  for (const [r, m, op] of ARITH_TO_STI) {
    rows.push(`DC /${r} 11 | F${m} STi,ST0 | x87_arith_r ${op} 1 0 | `);
    rows.push(`DE /${r} 11 | F${m}P STi,ST0 | x87_arith_r ${op} 1 1 | `);
  }
  return rows;
}

function compares(): string[] {
  const rows: string[] = [];
  for (const [r, pops] of [[2, 0], [3, 1]] as const) {
    const m = pops ? 'FCOMP' : 'FCOM';
    rows.push(`D8 /${r} !11 | ${m} Md | x87_com_m XM_F32 ${pops} | `);
    rows.push(`DC /${r} !11 | ${m} Mq | x87_com_m XM_F64 ${pops} | `);
    rows.push(`DA /${r} !11 | FI${m.slice(1)} Md | x87_com_m XM_I32 ${pops} | `);
    rows.push(`DE /${r} !11 | FI${m.slice(1)} Mw | x87_com_m XM_I16 ${pops} | `);
    rows.push(`D8 /${r} 11 | ${m} STi | x87_com_r 0 ${pops} | `);
  }
  rows.push(
    'DC /2 11 | FCOM2 STi | x87_com_r 0 0 | ',
    'DC /3 11 | FCOMP3 STi | x87_com_r 0 1 | ',
    'DE /2 11 | FCOMP5 STi | x87_com_r 0 1 | ',
    'DE D9 | FCOMPP | x87_com_r 0 2 | ',
    'DD /4 11 | FUCOM STi | x87_com_r 1 0 | ',
    'DD /5 11 | FUCOMP STi | x87_com_r 1 1 | ',
    'DA E9 | FUCOMPP | x87_com_r 1 2 | ',
    'DB /6 11 | FCOMI ST0,STi | x87_comi 0 0 | ',
    'DF /6 11 | FCOMIP ST0,STi | x87_comi 0 1 | ',
    'DB /5 11 | FUCOMI ST0,STi | x87_comi 1 0 | ',
    'DF /5 11 | FUCOMIP ST0,STi | x87_comi 1 1 | ',
    'D9 E4 | FTST | x87_ftst | ',
    'D9 E5 | FXAM | x87_fxam | ',
  );
  return rows;
}

const FCMOV: [string, number, string][] = [
  ['DA', 0, 'B'], ['DA', 1, 'E'], ['DA', 2, 'BE'], ['DA', 3, 'U'],
  ['DB', 0, 'NB'], ['DB', 1, 'NE'], ['DB', 2, 'NBE'], ['DB', 3, 'NU'],
];

function loadStore(): string[] {
  const rows = [
    'D9 /0 !11 | FLD Md | x87_fld_m XM_F32 | ',
    'DD /0 !11 | FLD Mq | x87_fld_m XM_F64 | ',
    'DB /5 !11 | FLD Mt | x87_fld_m XM_F80 | ',
    'DF /0 !11 | FILD Mw | x87_fld_m XM_I16 | ',
    'DB /0 !11 | FILD Md | x87_fld_m XM_I32 | ',
    'DF /5 !11 | FILD Mq | x87_fld_m XM_I64 | ',
    'DF /4 !11 | FBLD Mt | x87_fld_m XM_BCD | ',
    'D9 /0 11 | FLD STi | x87_fld_r | ',
    'D9 /2 !11 | FST Md | x87_fst_m XM_F32 0 | ',
    'D9 /3 !11 | FSTP Md | x87_fst_m XM_F32 1 | ',
    'DD /2 !11 | FST Mq | x87_fst_m XM_F64 0 | ',
    'DD /3 !11 | FSTP Mq | x87_fst_m XM_F64 1 | ',
    'DB /7 !11 | FSTP Mt | x87_fst_m XM_F80 1 | ',
    'DF /2 !11 | FIST Mw | x87_fst_m XM_I16 0 | ',
    'DF /3 !11 | FISTP Mw | x87_fst_m XM_I16 1 | ',
    'DB /2 !11 | FIST Md | x87_fst_m XM_I32 0 | ',
    'DB /3 !11 | FISTP Md | x87_fst_m XM_I32 1 | ',
    'DF /7 !11 | FISTP Mq | x87_fst_m XM_I64 1 | ',
    'DF /1 !11 | FISTTP Mw | x87_fst_m XM_T16 1 | ',
    'DB /1 !11 | FISTTP Md | x87_fst_m XM_T32 1 | ',
    'DD /1 !11 | FISTTP Mq | x87_fst_m XM_T64 1 | ',
    'DF /6 !11 | FBSTP Mt | x87_fst_m XM_BCD 1 | ',
    'DD /2 11 | FST STi | x87_fst_r 0 | ',
    'DD /3 11 | FSTP STi | x87_fst_r 1 | ',
    'D9 /3 11 | FSTP1 STi | x87_fst_r 2 | ',
    'DF /2 11 | FSTP8 STi | x87_fst_r 1 | ',
    'DF /3 11 | FSTP9 STi | x87_fst_r 1 | ',
    'D9 E8 | FLD1 | x87_fldc 5 | ',
    'D9 E9 | FLDL2T | x87_fldc 0 | ',
    'D9 EA | FLDL2E | x87_fldc 1 | ',
    'D9 EB | FLDPI | x87_fldc 2 | ',
    'D9 EC | FLDLG2 | x87_fldc 3 | ',
    'D9 ED | FLDLN2 | x87_fldc 4 | ',
    'D9 EE | FLDZ | x87_fldc 6 | ',
    'D9 /1 11 | FXCH STi | x87_fxch | ',
    'DD /1 11 | FXCH4 STi | x87_fxch | ',
    'DF /1 11 | FXCH7 STi | x87_fxch | ',
  ];
  for (const [op, r, cc] of FCMOV) rows.push(`${op} /${r} 11 | FCMOV${cc} ST0,STi | x87_fcmov ${op === 'DB' ? 1 : 0} ${r} | `);
  return rows;
}

function misc(): string[] {
  return [
    'D9 E0 | FCHS | x87_unary X87U_CHS | ',
    'D9 E1 | FABS | x87_unary X87U_ABS | ',
    'D9 FA | FSQRT | x87_unary X87U_SQRT | ',
    'D9 FC | FRNDINT | x87_unary X87U_RNDINT | ',
    'D9 F0 | F2XM1 | x87_unary X87U_F2XM1 | ',
    'D9 FE | FSIN | x87_unary X87U_SIN | ',
    'D9 FF | FCOS | x87_unary X87U_COS | ',
    'D9 FD | FSCALE | x87_binary X87B_SCALE | ',
    'D9 F8 | FPREM | x87_binary X87B_PREM | ',
    'D9 F5 | FPREM1 | x87_binary X87B_PREM1 | ',
    'D9 F1 | FYL2X | x87_binary X87B_YL2X | ',
    'D9 F9 | FYL2XP1 | x87_binary X87B_YL2XP1 | ',
    'D9 F3 | FPATAN | x87_binary X87B_PATAN | ',
    'D9 F4 | FXTRACT | x87_push2 X87P_XTRACT | ',
    'D9 F2 | FPTAN | x87_push2 X87P_PTAN | ',
    'D9 FB | FSINCOS | x87_push2 X87P_SINCOS | ',
    'D9 F6 | FDECSTP | x87_stp 0 | ',
    'D9 F7 | FINCSTP | x87_stp 1 | ',
    'DD /0 11 | FFREE STi | x87_ffree 0 | ',
    'DF /0 11 | FFREEP STi | x87_ffree 1 | ',
    'D9 D0 | FNOP | x87_fnop | ',
    'DB E0 | FNENI | x87_fnop_nw | ',
    'DB E1 | FNDISI | x87_fnop_nw | ',
    'DB E4 | FNSETPM | x87_fnop_nw | ',
  ];
}

function environment(): string[] {
  return [
    'D9 /6 !11 | FNSTENV M | x87_fnstenv | osz',
    'D9 /4 !11 | FLDENV M | x87_fldenv | osz',
    'DD /6 !11 | FNSAVE M | x87_fnsave | osz',
    'DD /4 !11 | FRSTOR M | x87_frstor | osz',
  ];
}

export const X87_ROWS: string[] = [...loadStore(), ...arith(), ...compares(), ...misc(), ...environment()];
