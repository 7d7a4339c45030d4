// fpu/consts.ts — encodings shared by the softfloat: exception flag bits (the same bit positions
// in the x87 FSW and in MXCSR, Intel SDM vol.1 8.1.3 and 10.2.3), rounding-control values
// (x87 FCW.RC and MXCSR.RC use one encoding, SDM 4.8.4), and the internal `ctl` word that the
// API wrappers build from FCW/MXCSR for the rounding core.
// Invariant: nothing here is mutable; every function takes its state as parameters.

export const FLAG_IE: u32 = 0x01; // invalid operation
export const FLAG_DE: u32 = 0x02; // denormal operand
export const FLAG_ZE: u32 = 0x04; // divide by zero
export const FLAG_OE: u32 = 0x08; // overflow
export const FLAG_UE: u32 = 0x10; // underflow
export const FLAG_PE: u32 = 0x20; // precision (inexact)
export const FSW_C0: u32 = 0x0100;
export const FSW_C1: u32 = 0x0200;
export const FSW_C2: u32 = 0x0400;
export const FSW_C3: u32 = 0x4000;

export const RC_NEAREST: u32 = 0;
export const RC_DOWN: u32 = 1;
export const RC_UP: u32 = 2;
export const RC_ZERO: u32 = 3;

// x87 precision control (FCW bits 8-9): 0 = 24-bit, 2 = 53-bit, 3 = 64-bit (1 is reserved).
export const PC_24: u32 = 0;
export const PC_53: u32 = 2;
export const PC_64: u32 = 3;

// Internal control word (`ctl`) understood by round.ts.
//   bits 0-1 rounding control, bits 2-3 x87 precision control,
//   CTL_FTZ   flush tiny results to zero (MXCSR.FZ with UE masked),
//   CTL_UEU   underflow unmasked (x87 register destination: deliver the result biased by +24576),
//   CTL_OEU   overflow unmasked (x87 register destination: deliver the result biased by -24576),
//   CTL_X87   report "rounded up" in FSW.C1 (SSE flag words never see bit 9).
export const CTL_FTZ: u32 = 0x10;
export const CTL_UEU: u32 = 0x20;
export const CTL_OEU: u32 = 0x40;
export const CTL_X87: u32 = 0x80;
// Underflow unmasked for a memory/SSE destination: flag UE on any tiny result, exact or not.
export const CTL_UEFLAG: u32 = 0x100;
// SSE (#XM) flavour of CTL_UEFLAG/CTL_OEU: PE is raised too when the result, rounded with an
// unbounded exponent, is inexact (the x87 memory store raises UE/OE alone).
export const CTL_PEWRAP: u32 = 0x200;

// Rounding targets of the shared core.
export const FMT_F80: i32 = 0;
export const FMT_F64: i32 = 1;
export const FMT_F32: i32 = 2;

// x87 real indefinite (SDM 4.8.3.7): sign 1, exponent 0x7FFF, significand C000000000000000.
export const F80_INDEF_SE: u32 = 0xFFFF;
export const F80_INDEF_SIG: u64 = 0xC000000000000000;
export const F64_INDEF: u64 = 0xFFF8000000000000;
export const F32_INDEF: u32 = 0xFFC00000;
