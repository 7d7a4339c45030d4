// The BIOS Data Area (0x400-0x4FF) and the EBDA header, as PC firmware leaves them and as
// BIOS-era code (and Linux's reserve_bios_regions / MP table scan) reads them: the COM port bases
// at 0x400-0x407, the EBDA segment at 0x40E, the base memory size in KiB at 0x413, and the EBDA's
// first byte = its size in KiB. (IBM PC/AT Technical Reference, "BIOS Data Area".)

import { COM_PORTS } from '../uart/uart16550.js';
import { EBDA_START } from '../machine/layout.js';

export function buildBda(serialPresent: readonly boolean[]): Uint8Array {
  const bda = new Uint8Array(0x100);
  const v = new DataView(bda.buffer);
  let n = 0;
  COM_PORTS.forEach((com, i) => { if (serialPresent[i]) v.setUint16(2 * n++, com.base, true); });
  v.setUint16(0x10, 0x0002 | (n << 9), true); // equipment word: FPU present, serial port count
  v.setUint16(0x0e, EBDA_START >> 4, true);
  v.setUint16(0x13, EBDA_START >> 10, true);  // 639 KiB of base memory
  return bda;
}

/** The EBDA's header: its size in KiB (1). */
export function buildEbdaHeader(): Uint8Array {
  return Uint8Array.of((0xa0000 - EBDA_START) >> 10);
}
