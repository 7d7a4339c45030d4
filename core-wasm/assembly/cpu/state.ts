// cpu/state.ts — layout of one vCPU's architectural state block in linear memory.
// The block lives at a base pointer `cpu` handed to every function; nothing is kept in
// module globals (many core instances share one memory). TypeScript reads the exported
// offsets through the `cpu_off_*` getters in cpu/api.ts.
// Invariants: GPRs are the first 16 u64s (so a register number * 8 is its offset; byte
// registers AH..BH are at +1); CPU_OFF_ZERO always holds 0 (the "no base / no index" slot
// of an effective-address computation); RFLAGS holds the arithmetic flags only while
// LF_OP == LF_NONE (cpu/flags.ts). SDM vol. 3A ch. 2-3 (registers), 9.1.1 (reset state).

// General-purpose registers, RIP, flags.
export const CPU_OFF_RAX: usize = 0;
export const CPU_OFF_RCX: usize = 8;
export const CPU_OFF_RDX: usize = 16;
export const CPU_OFF_RBX: usize = 24;
export const CPU_OFF_RSP: usize = 32;
export const CPU_OFF_RBP: usize = 40;
export const CPU_OFF_RSI: usize = 48;
export const CPU_OFF_RDI: usize = 56;
export const CPU_OFF_R8: usize = 64;
export const CPU_OFF_RIP: usize = 128;
export const CPU_OFF_RFLAGS: usize = 136;
export const CPU_OFF_ZERO: usize = 144;

// Lazy flags (cpu/flags.ts): the last flag-setting operation and its operands.
export const CPU_OFF_LF_OP: usize = 152;    // i32 LF_*
export const CPU_OFF_LF_BITS: usize = 156;  // i32 operand size in bits
export const CPU_OFF_LF_RES: usize = 160;   // u64 result, zero-extended from LF_BITS
export const CPU_OFF_LF_DST: usize = 168;   // u64 first operand
export const CPU_OFF_LF_SRC: usize = 176;   // u64 second operand
export const CPU_OFF_LF_CIN: usize = 184;   // u64 carry-in (ADC/SBB)

// Segment registers: 8 records of 16 bytes (ES CS SS DS FS GS LDTR TR), SDM 3.4.
export const SEG_ES: i32 = 0;
export const SEG_CS: i32 = 1;
export const SEG_SS: i32 = 2;
export const SEG_DS: i32 = 3;
export const SEG_FS: i32 = 4;
export const SEG_GS: i32 = 5;
export const SEG_LDTR: i32 = 6;
export const SEG_TR: i32 = 7;
export const CPU_OFF_SEG: usize = 192;       // + seg*16
export const SEG_SELECTOR: usize = 0;        // u16
export const SEG_ATTR: usize = 2;            // u16: access byte | descriptor flags nibble << 12 (AVL 12, L 13, D/B 14, G 15)
export const SEG_LIMIT: usize = 4;           // u32 expanded (byte granular)
export const SEG_BASE: usize = 8;            // u64
export const CPU_OFF_SEGBASE: usize = 320;   // 6 x u64: base used for addressing (0 for ES/CS/SS/DS in 64-bit mode)

// Descriptor-table registers.
export const CPU_OFF_GDTR_BASE: usize = 368;
export const CPU_OFF_GDTR_LIMIT: usize = 376;
export const CPU_OFF_IDTR_BASE: usize = 384;
export const CPU_OFF_IDTR_LIMIT: usize = 392;

// Control and debug registers, EFER.
export const CPU_OFF_CR0: usize = 400;
export const CPU_OFF_CR2: usize = 408;
export const CPU_OFF_CR3: usize = 416;
export const CPU_OFF_CR4: usize = 424;
export const CPU_OFF_CR8: usize = 432;
export const CPU_OFF_EFER: usize = 440;
export const CPU_OFF_DR: usize = 448;        // 8 x u64 DR0..DR7

// Mode summary, derived from CR0/EFER/CS whenever they change (cpu/mode.ts).
export const CPU_OFF_CPL: usize = 512;       // i32 current privilege level
export const CPU_OFF_MODE: usize = 516;      // i32 MODE_*
export const CPU_OFF_VM: usize = 520;        // usize: hv's VM struct (set by hv)
export const CPU_OFF_VCPU: usize = 528;      // usize: hv's vcpu struct (set by hv)
export const CPU_OFF_REQUEST: usize = 536;   // i32, atomic: nonzero = return at next boundary
export const CPU_OFF_FAULT: usize = 540;     // i32: the current instruction raised an event (FAULT_*)
export const CPU_OFF_ICOUNT: usize = 544;    // u64 instructions retired

// Exit information (kvm_run-like), valid after cpu_execute returns.
export const CPU_OFF_EXIT_REASON: usize = 552;    // i32 CPU_EXIT_*
export const CPU_OFF_EXIT_PORT: usize = 556;      // i32
export const CPU_OFF_EXIT_SIZE: usize = 560;      // i32 bytes per access
export const CPU_OFF_EXIT_DIRECTION: usize = 564; // i32 0 = in/read, 1 = out/write
export const CPU_OFF_EXIT_COUNT: usize = 568;     // i32
export const CPU_OFF_EXIT_INFO: usize = 572;      // i32 reason detail (INTERNAL_*, exception vector)
export const CPU_OFF_EXIT_DATA: usize = 576;      // u64
export const CPU_OFF_EXIT_ADDR: usize = 584;      // u64 gpa (MMIO) / linear address
export const CPU_OFF_EXIT_INSN: usize = 592;      // 16 bytes: instruction bytes (internal error)

// IO / MMIO read completion by re-execution (contract: cpu_complete_io).
export const CPU_OFF_IO_READY: usize = 608;  // i32: 1 = IO_DATA holds the pending read's data
export const CPU_OFF_IO_DATA: usize = 616;   // u64

// The event raised by the current instruction.
export const CPU_OFF_EXC_VECTOR: usize = 624;   // i32
export const CPU_OFF_EXC_ERROR: usize = 628;    // i32 error code, -1 = none
export const CPU_OFF_EXC_EXIT: usize = 632;     // i32: 1 = exit with CPU_EXIT_EXCEPTION instead of delivering (test harness)
export const CPU_OFF_INSN_RIP: usize = 640;     // u64 RIP of the instruction being executed

// MSRs (SDM vol. 4).
export const CPU_OFF_STAR: usize = 648;
export const CPU_OFF_LSTAR: usize = 656;
export const CPU_OFF_CSTAR: usize = 664;
export const CPU_OFF_SFMASK: usize = 672;
export const CPU_OFF_KERNEL_GS_BASE: usize = 680;
export const CPU_OFF_SYSENTER_CS: usize = 688;
export const CPU_OFF_SYSENTER_ESP: usize = 696;
export const CPU_OFF_SYSENTER_EIP: usize = 704;
export const CPU_OFF_TSC_AUX: usize = 712;
export const CPU_OFF_PAT: usize = 720;
export const CPU_OFF_MISC_ENABLE: usize = 728;
export const CPU_OFF_EPT_GEN: usize = 736;      // u32 eptGeneration(vm) the TLB was filled under
export const CPU_OFF_INT_SHADOW: usize = 740;   // i32: 1 = interrupts inhibited for one instruction (STI, MOV SS)
export const CPU_OFF_HALTED: usize = 744;       // i32
export const CPU_OFF_TLB_USER: usize = 752;     // u64: 1 when accesses are user-mode (CPL 3), folded into TLB tags
export const CPU_OFF_LINMASK: usize = 760;      // u64: linear-address mask (0xffffffff outside long mode)
export const CPU_OFF_ACCESS_SEG: usize = 888;    // i32 segment of the last computed linear address
export const CPU_OFF_SHADOW_RIP: usize = 880;    // u64 RIP of the instruction that set INT_SHADOW
export const CPU_OFF_VCPU_INDEX: usize = 748;   // u32: APIC ID reported by CPUID (set by the VMM)

// Decoded instruction (cpu/decode.ts) scratch slot and fetch buffer.
export const CPU_OFF_DECODED: usize = 768;      // DECODED_SIZE bytes
export const CPU_OFF_FETCHBUF: usize = 832;     // 16 bytes
export const CPU_OFF_FETCH_VALID: usize = 848;  // i32 bytes valid in FETCHBUF
export const CPU_OFF_FETCH_FAULT_ADDR: usize = 856; // u64 linear address whose fetch failed

export const CPU_OFF_WALK: usize = 864;        // 4 x u32 scratch: host addresses of the entries of the current walk

// Self-modifying-code window (cpu/codemap.ts): while a block runs, a write into a code frame at
// host address a with a - SMC_LO < SMC_LEN (unsigned) may hit the block's code: FAULT |= FAULT_SMC.
export const CPU_OFF_SMC_LO: usize = 896;       // u64 host address of the block's code - 7
export const CPU_OFF_SMC_LEN: usize = 904;      // u64 its length + 7, 0 outside blocks
export const CPU_OFF_BLK_POS: usize = 912;      // u32 bump offset in the block arena
export const CPU_OFF_BLK_FLUSHES: usize = 916;  // u32 times the block cache was emptied (statistics)
export const CPU_OFF_CODE_EPOCH: usize = 920;   // u64 code epoch (cpu/codemap.ts)
export const CPU_OFF_BLK_BUILDS: usize = 928;   // u32 blocks decoded (statistics)
export const CPU_OFF_BLK_CACHE: usize = 932;    // u32 host address of the block table (arena after it), 0 until the first cpu_execute

export const CPU_OFF_MTRR: usize = 1024;        // 32 x u64 MTRR storage (MSR 0x200..0x20F, 0x250.., 0x2FF)
export const CPU_OFF_POPA: usize = 1280;        // 8 x u64 scratch for POPA

// Addend TLB (cpu/tlb.ts).
export const CPU_OFF_TLB: usize = 2048;
export const TLB_ENTRIES: usize = 256;
export const TLB_ENTRY_SIZE: usize = 32;
export const TLB_TAG_R: usize = 0;   // u64 page | user bit, or TLB_INVALID
export const TLB_TAG_W: usize = 8;
export const TLB_TAG_X: usize = 16;
export const TLB_ADDEND: usize = 24; // u64: host address = linear + addend (wrapping)
export const TLB_INVALID: u64 = 0xFFF; // never equal to a page-aligned tag

// x87/SSE state (FXSAVE image, SDM 10.5.1), for the FPU work.
export const CPU_OFF_FXSAVE: usize = 2048 + 256 * 32; // 10240, 512 bytes

// Decoded-block cache (cpu/block.ts): a code-byte scratch copy here; the two-way set-associative
// table of block headers (keyed by linear address and mode) and the bump arena of records and
// code-byte copies after it are one run of pool frames outside this block (CPU_OFF_BLK_CACHE),
// taken at the vCPU's first cpu_execute: a vCPU that never runs costs no decode cache.
export const CPU_OFF_BLK_SCRATCH: usize = CPU_OFF_FXSAVE + 512;     // 256 bytes + 16 of slack
export const BLK_TABLE_LOG2: usize = 14;                              // 16384 headers of 64 bytes (8192 two-way sets)
export const BLK_TABLE_BYTES: usize = 64 << BLK_TABLE_LOG2;
export const BLK_ARENA_BYTES: usize = 4096 * 1024;
export const BLK_CACHE_BYTES: usize = BLK_TABLE_BYTES + BLK_ARENA_BYTES;
export const CPU_OFF_CODEMAP: usize = CPU_OFF_BLK_SCRATCH + 272;  // 4 KiB bitmap (cpu/codemap.ts)
export const CPU_OFF_END: usize = CPU_OFF_CODEMAP + 4096;

// Modes.
export const MODE_REAL: i32 = 0;
export const MODE_PROT16: i32 = 1;
export const MODE_PROT32: i32 = 2;
export const MODE_LONG64: i32 = 3;
export const MODE_COMPAT16: i32 = 4;
export const MODE_COMPAT32: i32 = 5;
export const MODE_VM86: i32 = 6;

// FAULT values.
export const FAULT_NONE: i32 = 0;
export const FAULT_EXCEPTION: i32 = 1; // EXC_VECTOR/EXC_ERROR hold the exception
export const FAULT_EXIT: i32 = 2;     // the instruction needs the VMM (IO/MMIO read, internal error): do not retire
export const FAULT_EXIT_AFTER: i32 = 4; // the instruction retired, then exit (IO/MMIO write, HLT)
export const FAULT_ABORT_MASK: i32 = 3; // FAULT & this != 0: the instruction must stop without side effects
export const FAULT_SMC: i32 = 8;       // the instruction wrote into the running block's code: end the block after it

// Exit codes returned by cpu_execute.
export const CPU_EXIT_NONE: i32 = 0;
export const CPU_EXIT_IO: i32 = 1;
export const CPU_EXIT_MMIO: i32 = 2;
export const CPU_EXIT_HLT: i32 = 3;
export const CPU_EXIT_SHUTDOWN: i32 = 4;
export const CPU_EXIT_INTERNAL_ERROR: i32 = 5;
export const CPU_EXIT_DEBUG: i32 = 6;
export const CPU_EXIT_REQUEST: i32 = 7;
export const CPU_EXIT_EXCEPTION: i32 = 8; // only with CPU_OFF_EXC_EXIT set (test harness)

// Internal-error reasons (CPU_OFF_EXIT_INFO).
export const INTERNAL_HOST_OOM: i32 = 1;
export const INTERNAL_UNSUPPORTED: i32 = 2;

// RFLAGS bits (SDM 3.4.3).
export const FL_CF: u64 = 1 << 0;
export const FL_PF: u64 = 1 << 2;
export const FL_AF: u64 = 1 << 4;
export const FL_ZF: u64 = 1 << 6;
export const FL_SF: u64 = 1 << 7;
export const FL_TF: u64 = 1 << 8;
export const FL_IF: u64 = 1 << 9;
export const FL_DF: u64 = 1 << 10;
export const FL_OF: u64 = 1 << 11;
export const FL_IOPL: u64 = 3 << 12;
export const FL_NT: u64 = 1 << 14;
export const FL_RF: u64 = 1 << 16;
export const FL_VM: u64 = 1 << 17;
export const FL_AC: u64 = 1 << 18;
export const FL_VIF: u64 = 1 << 19;
export const FL_VIP: u64 = 1 << 20;
export const FL_ID: u64 = 1 << 21;
export const FL_ARITH: u64 = FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF;

// Exception vectors (SDM 6.3.1).
export const EXC_DE: i32 = 0;
export const EXC_DB: i32 = 1;
export const EXC_NMI: i32 = 2;
export const EXC_BP: i32 = 3;
export const EXC_OF: i32 = 4;
export const EXC_BR: i32 = 5;
export const EXC_UD: i32 = 6;
export const EXC_NM: i32 = 7;
export const EXC_DF: i32 = 8;
export const EXC_TS: i32 = 10;
export const EXC_NP: i32 = 11;
export const EXC_SS: i32 = 12;
export const EXC_GP: i32 = 13;
export const EXC_PF: i32 = 14;
export const EXC_MF: i32 = 16;
export const EXC_AC: i32 = 17;
export const EXC_XM: i32 = 19;
