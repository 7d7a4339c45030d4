// cpu/decoded.ts — layout of one decoded instruction (the compact form the decoder writes and
// the handlers read; SDM vol. 2 ch. 2 "Instruction format"). Register operands are stored as
// byte offsets into the CPU state block (so AH is RAX+1, and "no register" is CPU_OFF_ZERO);
// memory operands as base/index offsets, scale, displacement, segment and address-size mask.
export const D_ID: usize = 0;       // u16 dispatch id (form x operand size)
export const D_LEN: usize = 2;      // u8 instruction length
export const D_PFX: usize = 3;      // u8 P_* prefix flags
export const D_REG: usize = 4;      // u16 offset of the ModRM.reg register operand
export const D_RM: usize = 6;       // u16 offset of the ModRM.rm register (mod = 11) or of the +r register
export const D_BASE: usize = 8;     // u16 offset of the base register (CPU_OFF_ZERO if none, CPU_OFF_RIP if RIP-relative)
export const D_INDEX: usize = 10;   // u16 offset of the index register (CPU_OFF_ZERO if none)
export const D_SCALE: usize = 12;   // u8 shift count 0..3
export const D_SEG: usize = 13;     // u8 segment of the memory operand (SEG_*)
export const D_ASIZE: usize = 14;   // u8 address size in bytes (2, 4, 8)
export const D_MODRM: usize = 15;   // u8 raw ModRM byte
export const D_DISP: usize = 16;    // i64 displacement (moffs for MOV AL,Ob)
export const D_IMM: usize = 24;     // u64 first immediate (sign-extended Ib/Iz/Jb/Jz)
export const D_IMM2: usize = 32;    // u64 second immediate (ENTER's Ib, far pointer's selector)
export const D_REX: usize = 40;     // u8 REX prefix or 0
export const D_OSIZE: usize = 41;   // u8 operand size in bytes
export const D_ROW: usize = 42;     // u16 opcode-table row
export const D_REGNUM: usize = 44;  // u8 ModRM.reg | REX.R << 3
export const D_OPCODE: usize = 45;  // u8 last opcode byte
export const D_BOFF: usize = 46;    // u16 offset of the instruction in its decoded block (cpu/block.ts)
export const D_AMASK: usize = 48;   // u64 address-size mask
export const D_FN: usize = 56;      // u32 function-table index of the handler (set by cpu/block.ts)
export const D_FAST: usize = 60;    // u8 fast-path code (cpu/fastops.ts), 0 = none (set by cpu/block.ts)
export const DECODED_SIZE: usize = 64;

export const P_REP: u8 = 1;      // F3
export const P_REPNE: u8 = 2;    // F2
export const P_LOCK: u8 = 4;     // F0
export const P_OPSIZE: u8 = 8;   // 66
export const P_ADSIZE: u8 = 16;  // 67
export const P_MEM: u8 = 32;     // the ModRM operand is memory
export const P_SEGOVR: u8 = 64;  // a segment override prefix was present
