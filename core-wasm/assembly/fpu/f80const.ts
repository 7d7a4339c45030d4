// fpu/f80const.ts — the x87 load-constant instructions FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2
// (SDM vol.2 FLD1/FLDL2T/...): the constants are held to more than 64 bits and rounded to the
// register with FCW.RC (precision control does not apply); no exception flags, C1 cleared.
// FLD1 and FLDZ are exact and need no help. Invariant: writes only `out`.
import { RC_DOWN, RC_UP, RC_ZERO } from './consts';
import { storeF80 } from './round';
import { setC1 } from './wide';

export const CONST_L2T: i32 = 0;
export const CONST_L2E: i32 = 1;
export const CONST_PI: i32 = 2;
export const CONST_LG2: i32 = 3;
export const CONST_LN2: i32 = 4;

/** Load constant `which` (CONST_*) rounded with FCW.RC. */
export function f80Const(out: usize, which: i32, fcw: u32, sw: usize): void {
  let hi: u64, lo: u64, se: u32;
  switch (which) {
    case CONST_L2T: hi = 0xD49A784BCD1B8AFE; lo = 0x492BF6FF4DAFDB4C; se = 0x4000; break;
    case CONST_L2E: hi = 0xB8AA3B295C17F0BB; lo = 0xBE87FED0691D3E88; se = 0x3FFF; break;
    case CONST_PI: hi = 0xC90FDAA22168C234; lo = 0xC4C6628B80DC1CD1; se = 0x4000; break;
    case CONST_LG2: hi = 0x9A209A84FBCFF798; lo = 0x8F8959AC0B7C9178; se = 0x3FFD; break;
    default: hi = 0xB17217F7D1CF79AB; lo = 0xC9E3B39803F2F6AF; se = 0x3FFE; break;
  }
  const rc = (fcw >> 10) & 3;
  // All five are positive and irrational: nearest looks at the first dropped bit, up always
  // increments, down and toward zero truncate.
  if (rc == RC_UP || (rc != RC_DOWN && rc != RC_ZERO && (lo >> 63) != 0)) hi++;
  storeF80(out, hi, se);
  setC1(sw, false);
}
