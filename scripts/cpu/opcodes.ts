// scripts/cpu/opcodes.ts — THE opcode table of the x86-64 interpreter, in Intel operand notation
// (SDM vol. 2, appendix A "Opcode Map"). One row per instruction form:
//   'OPCODE | MNEMONIC OPERANDS | HANDLER ARGS | ATTRIBUTES'
// OPCODE: hex bytes; a leading 66/F2/F3 is a mandatory prefix; `/0`..`/7` = ModRM.reg extension,
//   `/r` = ModRM present; `!11` = memory form only, `11` = register form only; `+r` = register in
//   the low 3 opcode bits; `+cc` = 16 rows, one per condition (HANDLER may use CC, MNEMONIC cc);
//   a full third byte after `0F 01` (e.g. `0F 01 F8`) = ModRM fixed to that value.
// OPERANDS: E/G (ModRM rm/reg), M (memory), R (register rm), S (segment in reg), C/D (CR/DR in reg),
//   I (immediate), J (relative), O (moffs), A (far pointer), X/Y (string DS:rSI / ES:rDI),
//   Z (register in opcode), fixed registers; sizes b w d q v (16/32/64) z (16/32) p (far ptr).
// HANDLER: an exported function of core-wasm/assembly/cpu/ops/, called as NAME<T>(cpu, d, ARGS...)
//   where T is the operand-size type of the form (u8/u16/u32/u64).
// ATTRIBUTES: d64 (64-bit default operand size in long mode), f64 (forced 64), i64 (invalid in
//   64-bit mode), o64 (64-bit mode only), lock (LOCK allowed), undef=FLAGS (flags the SDM leaves
//   undefined, masked by the differential test: letters O S Z A P C), nodiff (the host CPU cannot show
//   it in user mode, or the result is host-specific), rep (string instruction), osz (sized by the
//   operand size although no operand shows it: IRET/IRETD/IRETQ, RETF, CBW/CWD, far pointers, PUSH/POP sreg).
// Generator: scripts/cpu/gen.ts -> cpu/gen/*.ts (decode tree, dispatch) and test/diff/forms.gen.json.

import { SSE_ROWS } from './opcodes-sse.js';
import { X87_ROWS } from './opcodes-x87.js';

const ALU = ['ADD', 'OR', 'ADC', 'SBB', 'AND', 'SUB', 'XOR', 'CMP'];

function alu(): string[] {
  const rows: string[] = [];
  ALU.forEach((m, i) => {
    const b = (i * 8).toString(16).padStart(2, '0').toUpperCase();
    const op = (k: number) => (i * 8 + k).toString(16).padStart(2, '0').toUpperCase();
    const lock = m === 'CMP' ? '' : 'lock';
    const undef = m === 'AND' || m === 'OR' || m === 'XOR' ? 'undef=A' : '';
    rows.push(`${b} /r | ${m} Eb,Gb | alu_EG ALU_${m} | ${lock} ${undef}`);
    rows.push(`${op(1)} /r | ${m} Ev,Gv | alu_EG ALU_${m} | ${lock} ${undef}`);
    rows.push(`${op(2)} /r | ${m} Gb,Eb | alu_GE ALU_${m} | ${undef}`);
    rows.push(`${op(3)} /r | ${m} Gv,Ev | alu_GE ALU_${m} | ${undef}`);
    rows.push(`${op(4)} | ${m} AL,Ib | alu_AI ALU_${m} | ${undef}`);
    rows.push(`${op(5)} | ${m} rAX,Iz | alu_AI ALU_${m} | ${undef}`);
    rows.push(`80 /${i} | ${m} Eb,Ib | alu_EI ALU_${m} | ${lock} ${undef}`);
    rows.push(`81 /${i} | ${m} Ev,Iz | alu_EI ALU_${m} | ${lock} ${undef}`);
    rows.push(`82 /${i} | ${m} Eb,Ib | alu_EI ALU_${m} | i64 ${lock} ${undef}`);
    rows.push(`83 /${i} | ${m} Ev,Ib | alu_EI ALU_${m} | ${lock} ${undef}`);
  });
  return rows;
}

const SHIFT = ['ROL', 'ROR', 'RCL', 'RCR', 'SHL', 'SHR', 'SAL', 'SAR'];
function shifts(): string[] {
  const rows: string[] = [];
  SHIFT.forEach((m, i) => {
    const k = m === 'SAL' ? 'SHL' : m;
    // OF is undefined for counts other than 1; AF is undefined for SHL/SHR/SAR with a nonzero count.
    const u = m.startsWith('R') ? 'undef=O' : 'undef=OA';
    rows.push(`C0 /${i} | ${m} Eb,Ib | shift_E SH_${k} | ${u}`);
    rows.push(`C1 /${i} | ${m} Ev,Ib | shift_E SH_${k} | ${u}`);
    rows.push(`D0 /${i} | ${m} Eb,1 | shift_E1 SH_${k} | ${m.startsWith('R') ? '' : 'undef=A'}`);
    rows.push(`D1 /${i} | ${m} Ev,1 | shift_E1 SH_${k} | ${m.startsWith('R') ? '' : 'undef=A'}`);
    rows.push(`D2 /${i} | ${m} Eb,CL | shift_E SH_${k} | ${u}`);
    rows.push(`D3 /${i} | ${m} Ev,CL | shift_E SH_${k} | ${u}`);
  });
  return rows;
}

export const OPCODES: string[] = [
  ...alu(),
  ...shifts(),
  // --- moves (ops/move.ts)
  '88 /r | MOV Eb,Gb | mov_EG | ',
  '89 /r | MOV Ev,Gv | mov_EG | ',
  '8A /r | MOV Gb,Eb | mov_GE | ',
  '8B /r | MOV Gv,Ev | mov_GE | ',
  'C6 /0 | MOV Eb,Ib | mov_EI | ',
  'C7 /0 | MOV Ev,Iz | mov_EI | ',
  'B0+r | MOV Zb,Ib | mov_ZI | ',
  'B8+r | MOV Zv,Iv | mov_ZI | ',
  'A0 | MOV AL,Ob | mov_AO | ',
  'A1 | MOV rAX,Ov | mov_AO | ',
  'A2 | MOV Ob,AL | mov_OA | ',
  'A3 | MOV Ov,rAX | mov_OA | ',
  '8D /r !11 | LEA Gv,M | lea | ',
  '0F B6 /r | MOVZX Gv,Eb | movzx_b | ',
  '0F B7 /r | MOVZX Gv,Ew | movzx_w | ',
  '0F BE /r | MOVSX Gv,Eb | movsx_b | ',
  '0F BF /r | MOVSX Gv,Ew | movsx_w | ',
  '63 /r | MOVSXD Gv,Ed | movsxd | o64',
  '86 /r | XCHG Eb,Gb | xchg_EG | lock',
  '87 /r | XCHG Ev,Gv | xchg_EG | lock',
  '90+r | XCHG Zv,rAX | xchg_ZA | ',
  '0F 40+cc /r | CMOVcc Gv,Ev | cmov CC | ',
  '0F 90+cc /r | SETcc Eb | setcc CC | ',
  '98 | CBW | cbw | osz',
  '99 | CWD | cwd | osz',
  '0F C8+r | BSWAP Zv | bswap_Z | ',
  '0F 38 F0 /r !11 | MOVBE Gv,M | movbe_GM | ',
  '0F 38 F1 /r !11 | MOVBE M,Gv | movbe_MG | ',
  'D7 | XLAT | xlat | ',
  '9E | SAHF | sahf | ',
  '9F | LAHF | lahf | ',
  // --- unary, multiply, divide (ops/muldiv.ts, ops/arith.ts)
  'F6 /0 | TEST Eb,Ib | test_EI | undef=A',
  'F6 /1 | TEST Eb,Ib | test_EI | undef=A',
  'F7 /0 | TEST Ev,Iz | test_EI | undef=A',
  'F7 /1 | TEST Ev,Iz | test_EI | undef=A',
  '84 /r | TEST Eb,Gb | test_EG | undef=A',
  '85 /r | TEST Ev,Gv | test_EG | undef=A',
  'A8 | TEST AL,Ib | test_AI | undef=A',
  'A9 | TEST rAX,Iz | test_AI | undef=A',
  'F6 /2 | NOT Eb | not_E | lock',
  'F7 /2 | NOT Ev | not_E | lock',
  'F6 /3 | NEG Eb | neg_E | lock',
  'F7 /3 | NEG Ev | neg_E | lock',
  'FE /0 | INC Eb | incdec_E 0 | lock',
  'FE /1 | DEC Eb | incdec_E 1 | lock',
  'FF /0 | INC Ev | incdec_E 0 | lock',
  'FF /1 | DEC Ev | incdec_E 1 | lock',
  '40+r | INC Zv | incdec_Z 0 | i64',
  '48+r | DEC Zv | incdec_Z 1 | i64',
  'F6 /4 | MUL Eb | mul_E | undef=SZAP',
  'F7 /4 | MUL Ev | mul_E | undef=SZAP',
  'F6 /5 | IMUL Eb | imul_E | undef=SZAP',
  'F7 /5 | IMUL Ev | imul_E | undef=SZAP',
  'F6 /6 | DIV Eb | div_E | undef=OSZAPC',
  'F7 /6 | DIV Ev | div_E | undef=OSZAPC',
  'F6 /7 | IDIV Eb | idiv_E | undef=OSZAPC',
  'F7 /7 | IDIV Ev | idiv_E | undef=OSZAPC',
  '0F AF /r | IMUL Gv,Ev | imul_GE | undef=SZAP',
  '69 /r | IMUL Gv,Ev,Iz | imul_GEI | undef=SZAP',
  '6B /r | IMUL Gv,Ev,Ib | imul_GEI | undef=SZAP',
  // --- bit instructions (ops/bit.ts)
  '0F A3 /r | BT Ev,Gv | bt_EG BT_BT | undef=OSAP',
  '0F AB /r | BTS Ev,Gv | bt_EG BT_BTS | lock undef=OSAP',
  '0F B3 /r | BTR Ev,Gv | bt_EG BT_BTR | lock undef=OSAP',
  '0F BB /r | BTC Ev,Gv | bt_EG BT_BTC | lock undef=OSAP',
  '0F BA /4 | BT Ev,Ib | bt_EI BT_BT | undef=OSAP',
  '0F BA /5 | BTS Ev,Ib | bt_EI BT_BTS | lock undef=OSAP',
  '0F BA /6 | BTR Ev,Ib | bt_EI BT_BTR | lock undef=OSAP',
  '0F BA /7 | BTC Ev,Ib | bt_EI BT_BTC | lock undef=OSAP',
  '0F BC /r | BSF Gv,Ev | bsf | undef=OSAPC',
  '0F BD /r | BSR Gv,Ev | bsr | undef=OSAPC',
  'F3 0F BC /r | TZCNT Gv,Ev | tzcnt | undef=OSAP',
  'F3 0F BD /r | LZCNT Gv,Ev | lzcnt | undef=OSAP',
  'F3 0F B8 /r | POPCNT Gv,Ev | popcnt_GE | ',
  '0F A4 /r | SHLD Ev,Gv,Ib | shld BIT_IMM | undef=OA',
  '0F A5 /r | SHLD Ev,Gv,CL | shld BIT_CL | undef=OA',
  '0F AC /r | SHRD Ev,Gv,Ib | shrd BIT_IMM | undef=OA',
  '0F AD /r | SHRD Ev,Gv,CL | shrd BIT_CL | undef=OA',
  // --- atomics (ops/atomic.ts)
  '0F B0 /r | CMPXCHG Eb,Gb | cmpxchg | lock',
  '0F B1 /r | CMPXCHG Ev,Gv | cmpxchg | lock',
  '0F C0 /r | XADD Eb,Gb | xadd | lock',
  '0F C1 /r | XADD Ev,Gv | xadd | lock',
  '0F C7 /1 !11 | CMPXCHG8B Mq | cmpxchg8b | lock',
  // --- flags (ops/flagops.ts)
  'F5 | CMC | cmc | ',
  'F8 | CLC | clc | ',
  'F9 | STC | stc | ',
  'FC | CLD | cld | ',
  'FD | STD | std | ',
  'FA | CLI | cli | ',
  'FB | STI | sti | ',
  '9C | PUSHF | pushf | d64',
  '9D | POPF | popf | d64',
  // --- stack (ops/stack.ts)
  '50+r | PUSH Zv | push_Z | d64',
  '58+r | POP Zv | pop_Z | d64',
  'FF /6 | PUSH Ev | push_E | d64',
  '8F /0 | POP Ev | pop_E | d64',
  '68 | PUSH Iz | push_I | d64',
  '6A | PUSH Ib | push_I | d64',
  'C8 | ENTER Iw,Ib | enter | d64',
  'C9 | LEAVE | leave | d64',
  '60 | PUSHA | pusha | i64 osz',
  '61 | POPA | popa | i64 osz',
  // --- control transfer (ops/control.ts)
  '70+cc | Jcc Jb | jcc CC | f64',
  '0F 80+cc | Jcc Jz | jcc CC | f64',
  'EB | JMP Jb | jmp_J | f64',
  'E9 | JMP Jz | jmp_J | f64',
  'FF /4 | JMP Ev | jmp_E | f64',
  'E8 | CALL Jz | call_J | f64',
  'FF /2 | CALL Ev | call_E | f64',
  'C3 | RET | ret | f64',
  'C2 | RET Iw | ret_I | f64',
  'E0 | LOOPNE Jb | loop LOOP_NE | f64',
  'E1 | LOOPE Jb | loop LOOP_E | f64',
  'E2 | LOOP Jb | loop LOOP_ALWAYS | f64',
  'E3 | JrCXZ Jb | jrcxz | f64',
  // --- string instructions (ops/string.ts)
  'A4 | MOVSB Yb,Xb | movs | rep',
  'A5 | MOVS Yv,Xv | movs | rep',
  'A6 | CMPSB Xb,Yb | cmps | rep',
  'A7 | CMPS Xv,Yv | cmps | rep',
  'AA | STOSB Yb,AL | stos | rep',
  'AB | STOS Yv,rAX | stos | rep',
  'AC | LODSB AL,Xb | lods | rep',
  'AD | LODS rAX,Xv | lods | rep',
  'AE | SCASB AL,Yb | scas | rep',
  'AF | SCAS rAX,Yv | scas | rep',
  // --- BCD and legacy (ops/bcd.ts)
  '27 | DAA | daa | i64 undef=O',
  '2F | DAS | das | i64 undef=O',
  '37 | AAA | aaa | i64 undef=OSZP',
  '3F | AAS | aas | i64 undef=OSZP',
  'D4 | AAM Ib | aam | i64 undef=OAC',
  'D5 | AAD Ib | aad | i64 undef=OAC',
  // --- misc (ops/system.ts)
  // 0F 19-0F 1F: the hint-NOP space (SDM "NOP"; ENDBR32/64 = F3 0F 1E FB/FA are NOPs without CET)
  '0F 19 /r | NOP Ev | nop | ',
  '0F 1A /r | NOP Ev | nop | ',
  '0F 1B /r | NOP Ev | nop | ',
  '0F 1C /r | NOP Ev | nop | ',
  '0F 1D /r | NOP Ev | nop | ',
  '0F 1E /r | NOP Ev | nop | ',
  '0F 1F /r | NOP Ev | nop | ',
  '0F 0D /1 !11 | PREFETCHW M | nop | ',
  '0F 18 /0 !11 | PREFETCHNTA M | nop | ',
  '0F 18 /1 !11 | PREFETCHT0 M | nop | ',
  '0F 18 /2 !11 | PREFETCHT1 M | nop | ',
  '0F 18 /3 !11 | PREFETCHT2 M | nop | ',
  '0F AE /5 11 | LFENCE | nop | ',
  '0F AE /6 11 | MFENCE | nop | ',
  '0F AE /7 11 | SFENCE | nop | ',
  '0F AE /7 !11 | CLFLUSH M | clflush | ',
  '0F 0B | UD2 | ud | ',
  '0F B9 /r | UD1 Gv,Ev | ud | ',
  'F4 | HLT | hlt | ',
  '0F A2 | CPUID | cpuid | nodiff',
  '0F 31 | RDTSC | rdtsc | nodiff',
  '0F 01 F9 | RDTSCP | rdtscp | nodiff',
  '0F 30 | WRMSR | wrmsr | ',
  '0F 32 | RDMSR | rdmsr | ',
  '0F 33 | RDPMC | rdpmc | nodiff',
  '0F 06 | CLTS | clts | ',
  '0F 08 | INVD | invd | ',
  '0F 09 | WBINVD | invd | ',
  '0F 01 /7 !11 | INVLPG M | invlpg | ',
  '0F 20 /r | MOV Rq,Cq | mov_RC | f64',
  '0F 22 /r | MOV Cq,Rq | mov_CR | f64',
  '0F 21 /r | MOV Rq,Dq | mov_RD | f64',
  '0F 23 /r | MOV Dq,Rq | mov_DR | f64',
  '0F 01 /0 !11 | SGDT M | sgdt | nodiff',
  '0F 01 /1 !11 | SIDT M | sidt | nodiff',
  '0F 01 /2 !11 | LGDT M | lgdt | ',
  '0F 01 /3 !11 | LIDT M | lidt | ',
  '0F 01 /4 | SMSW Ev | smsw | nodiff',
  '0F 01 /6 | LMSW Ew | lmsw | ',
  '0F 01 F8 | SWAPGS | swapgs | o64',
  '0F 00 /0 | SLDT Ev | sldt | nodiff',
  '0F 00 /1 | STR Ev | str | nodiff',
  '0F 00 /2 | LLDT Ew | lldt | ',
  '0F 00 /3 | LTR Ew | ltr | ',
  // --- IO (ops/io.ts)
  'E4 | IN AL,Ib | in_I | ',
  'E5 | IN eAX,Ib | in_I | ',
  'E6 | OUT Ib,AL | out_I | ',
  'E7 | OUT Ib,eAX | out_I | ',
  'EC | IN AL,DX | in_DX | ',
  'ED | IN eAX,DX | in_DX | ',
  'EE | OUT DX,AL | out_DX | ',
  'EF | OUT DX,eAX | out_DX | ',
  '6C | INSB Yb,DX | ins | rep',
  '6D | INS Yz,DX | ins | rep',
  '6E | OUTSB DX,Xb | outs | rep',
  '6F | OUTS DX,Xz | outs | rep',
  // --- interrupts and far transfers (ops/far.ts, ops/farxfer.ts). Far transfers and SYSEXIT are nodiff: they
  // depend on the host kernel's descriptor tables and MSRs (and AMD CPUs raise #UD for SYSEXIT in long
  // mode, where Intel, which CPUID names, raises #GP at CPL 3); test/core/cpu/*.S tests them.
  'CC | INT3 | int3 | nodiff',
  'CD | INT Ib | int_I | nodiff',
  'CE | INTO | into | i64',
  'F1 | INT1 | int1 | nodiff',
  'CF | IRET | iret | osz nodiff',
  'CA | RETF Iw | retf | osz nodiff',
  'CB | RETF | retf | osz nodiff',
  'FF /3 !11 | CALLF Mp | callf_M | osz nodiff',
  'FF /5 !11 | JMPF Mp | jmpf_M | osz nodiff',
  '9A | CALLF Ap | callf_A | i64 osz nodiff',
  'EA | JMPF Ap | jmpf_A | i64 osz nodiff',
  '0F 05 | SYSCALL | syscall | nodiff',
  '0F 07 | SYSRET | sysret | ',
  '0F 34 | SYSENTER | sysenter | nodiff',
  '0F 35 | SYSEXIT | sysexit | nodiff',
  // --- segment registers (ops/segment.ts)
  '8C /r | MOV Ev,Sw | mov_ES | nodiff',
  '8E /r | MOV Sw,Ew | mov_SE | nodiff',
  '06 | PUSH ES | push_S SEG_ES | i64 osz',
  '07 | POP ES | pop_S SEG_ES | i64 osz nodiff',
  '0E | PUSH CS | push_S SEG_CS | i64 osz',
  '16 | PUSH SS | push_S SEG_SS | i64 osz',
  '17 | POP SS | pop_S SEG_SS | i64 osz nodiff',
  '1E | PUSH DS | push_S SEG_DS | i64 osz',
  '1F | POP DS | pop_S SEG_DS | i64 osz nodiff',
  '0F A0 | PUSH FS | push_S SEG_FS | d64 nodiff',
  '0F A1 | POP FS | pop_S SEG_FS | d64 nodiff',
  '0F A8 | PUSH GS | push_S SEG_GS | d64 nodiff',
  '0F A9 | POP GS | pop_S SEG_GS | d64 nodiff',
  'C4 /r !11 | LES Gz,Mp | lxs SEG_ES | i64 nodiff',
  'C5 /r !11 | LDS Gz,Mp | lxs SEG_DS | i64 nodiff',
  '0F B2 /r !11 | LSS Gv,Mp | lxs SEG_SS | nodiff',
  '0F B4 /r !11 | LFS Gv,Mp | lxs SEG_FS | nodiff',
  '0F B5 /r !11 | LGS Gv,Mp | lxs SEG_GS | nodiff',
  // --- x87 and SSE: not implemented yet; their rows go here (D8-DF, 0F 10-7F, 0F C2-FF, 0F 38/3A).
  ...SSE_ROWS, // SSE/SSE2-4.2 and x87 control rows (scripts/cpu/opcodes-sse.ts)
  ...X87_ROWS, // x87 FPU D8-DF (scripts/cpu/opcodes-x87.ts)
];
