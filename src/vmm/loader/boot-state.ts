// The initial vCPU state a loader asks for: what KVM_SET_REGS + KVM_SET_SREGS would carry for the
// first instruction of the kernel. Segment attributes use the VMX access-rights layout
// (Intel SDM vol. 3 §24.4.1: type[3:0], S[4], DPL[6:5], P[7], AVL[12], L[13], D/B[14], G[15]).
// The boot GDT and identity page tables are written by gdt.ts; this is only the register side.

export interface SegmentState {
  selector: number;
  base: number;
  limit: number;
  /** VMX access rights. */
  attributes: number;
}

export type BootMode = 'long64' | 'protected32';

export interface BootCpuState {
  mode: BootMode;
  rip: number;
  rsp: number;
  rflags: number;
  /** General registers that carry boot arguments (others are zero). */
  rax: number;
  rbx: number;
  rsi: number;
  cr0: number;
  cr3: number;
  cr4: number;
  efer: number;
  gdt: { base: number; limit: number };
  idt: { base: number; limit: number };
  cs: SegmentState;
  ds: SegmentState;
  es: SegmentState;
  ss: SegmentState;
  fs: SegmentState;
  gs: SegmentState;
  tr: SegmentState;
  ldtr: SegmentState;
}

export const CR0_PE = 1 << 0;
export const CR0_ET = 1 << 4;
export const CR0_PG = 0x80000000;
export const CR4_PAE = 1 << 5;
export const EFER_LME = 1 << 8;
export const EFER_LMA = 1 << 10;
export const RFLAGS_RESERVED = 0x2;

export const ATTR_CODE32 = 0xc09b;  // G, D, P, S, type 0xB (execute/read, accessed)
export const ATTR_CODE64 = 0xa09b;  // G, L, P, S, type 0xB
export const ATTR_DATA = 0xc093;    // G, B, P, S, type 0x3 (read/write, accessed)
export const ATTR_TSS32 = 0x008b;   // P, type 0xB (busy 32-bit TSS)
export const ATTR_LDT = 0x0082;     // P, type 2
