// irqchip/pic.ts — the 8259A programmable interrupt controller pair (master at ports 0x20/0x21,
// slave at 0xA0/0xA1 cascaded on master IR2) with the ELCR edge/level registers (0x4D0/0x4D1).
//
// Behaviour per the 8259A datasheet: ICW1-ICW4 initialization sequence, OCW1 mask, OCW2 EOI
// (non-specific, specific, rotating) and priority rotation, OCW3 read-register select, poll
// command and special mask mode; auto-EOI and special fully nested mode from ICW4.
// Edge-triggered inputs latch IRR on a rising edge; level-triggered inputs (ELCR bit set) follow
// the line. The master's INT output drives the CPU through LAPIC LINT0 (ExtINT) or directly
// when the LAPIC is hardware-disabled.
// State lives in the VM struct at VM_OFF_PIC (PIC_SIZE bytes per chip); callers hold the VM's
// irqchip lock (hv/irq.ts).

export const PIC_SIZE: u32 = 32;
export const PIC_OFF_IRR: u32 = 0;
export const PIC_OFF_ISR: u32 = 1;
export const PIC_OFF_IMR: u32 = 2;
export const PIC_OFF_LAST_IRR: u32 = 3;   // line levels seen (edge detection)
export const PIC_OFF_ELCR: u32 = 4;
export const PIC_OFF_ELCR_MASK: u32 = 5;
export const PIC_OFF_PRIORITY_ADD: u32 = 6; // the IR with the highest priority
export const PIC_OFF_IRQ_BASE: u32 = 7;     // ICW2 vector base
export const PIC_OFF_READ_ISR: u32 = 8;     // OCW3 RR/RIS: 1 = reads return ISR
export const PIC_OFF_POLL: u32 = 9;
export const PIC_OFF_SPECIAL_MASK: u32 = 10;
export const PIC_OFF_INIT_STATE: u32 = 11;  // 0 ready, 1..3 waiting for ICW2..ICW4
export const PIC_OFF_AUTO_EOI: u32 = 12;
export const PIC_OFF_ROTATE_AEOI: u32 = 13;
export const PIC_OFF_SFNM: u32 = 14;
export const PIC_OFF_INIT4: u32 = 15;
export const PIC_OFF_SINGLE: u32 = 16;
export const PIC_OFF_IS_SLAVE: u32 = 17;
export const PIC_OFF_OUTPUT: u32 = 18;      // master only: INT line level

@inline function r8(p: usize, off: u32): u32 { return <u32>load<u8>(p + off); }
@inline function w8(p: usize, off: u32, v: u32): void { store<u8>(p + off, <u8>v); }

export function picReset(pic: usize, slave: bool): void {
  memory.fill(pic, 0, PIC_SIZE);
  w8(pic, PIC_OFF_ELCR_MASK, slave ? 0xde : 0xf8);
  w8(pic, PIC_OFF_IS_SLAVE, slave ? 1 : 0);
}

/** Priority (0 = highest) of the highest-priority bit of mask, 8 when none. */
function priorityOf(pic: usize, mask: u32): u32 {
  if (mask == 0) return 8;
  const add = r8(pic, PIC_OFF_PRIORITY_ADD);
  let p: u32 = 0;
  while ((mask & (1 << ((p + add) & 7))) == 0) p++;
  return p;
}

/** The IR this chip would signal now (highest unmasked request above the in-service level), or -1. */
export function picGetIrq(pic: usize): i32 {
  const req = r8(pic, PIC_OFF_IRR) & ~r8(pic, PIC_OFF_IMR);
  const p = priorityOf(pic, req);
  if (p == 8) return -1;
  let inService = r8(pic, PIC_OFF_ISR);
  if (r8(pic, PIC_OFF_SPECIAL_MASK) != 0) inService &= ~r8(pic, PIC_OFF_IMR);
  if (r8(pic, PIC_OFF_SFNM) != 0 && r8(pic, PIC_OFF_IS_SLAVE) == 0) inService &= ~(<u32>1 << 2);
  if (p < priorityOf(pic, inService)) return <i32>((p + r8(pic, PIC_OFF_PRIORITY_ADD)) & 7);
  return -1;
}

/** Drives input `irq` to `level`; returns true when a new request was latched. */
export function picSetIrq(pic: usize, irq: u32, level: bool): bool {
  const mask: u32 = 1 << irq;
  const irr = r8(pic, PIC_OFF_IRR);
  const last = r8(pic, PIC_OFF_LAST_IRR);
  if ((r8(pic, PIC_OFF_ELCR) & mask) != 0) {
    w8(pic, PIC_OFF_IRR, level ? irr | mask : irr & ~mask);
    w8(pic, PIC_OFF_LAST_IRR, level ? last | mask : last & ~mask);
    return level;
  }
  if (!level) {
    w8(pic, PIC_OFF_LAST_IRR, last & ~mask);
    return false;
  }
  w8(pic, PIC_OFF_LAST_IRR, last | mask);
  if ((last & mask) != 0) return false;
  w8(pic, PIC_OFF_IRR, irr | mask);
  return true;
}

/** INTA for `irq`: into service (unless auto-EOI); edge requests leave IRR, level ones stay. */
export function picIntack(pic: usize, irq: u32): void {
  const mask: u32 = 1 << irq;
  if (r8(pic, PIC_OFF_AUTO_EOI) != 0) {
    if (r8(pic, PIC_OFF_ROTATE_AEOI) != 0) w8(pic, PIC_OFF_PRIORITY_ADD, (irq + 1) & 7);
  } else {
    w8(pic, PIC_OFF_ISR, r8(pic, PIC_OFF_ISR) | mask);
  }
  if ((r8(pic, PIC_OFF_ELCR) & mask) == 0) w8(pic, PIC_OFF_IRR, r8(pic, PIC_OFF_IRR) & ~mask);
}

/** Recomputes the cascade (slave INT -> master IR2) and the master's INT output; returns it. */
export function picUpdate(master: usize, slave: usize): bool {
  const s = picGetIrq(slave) >= 0;
  // the cascade input follows the slave's INT line as a level
  const m = r8(master, PIC_OFF_IRR);
  w8(master, PIC_OFF_IRR, s ? m | 4 : m & ~4);
  const out = picGetIrq(master) >= 0;
  w8(master, PIC_OFF_OUTPUT, out ? 1 : 0);
  return out;
}

/** The vector the pair would deliver now without acknowledging it, or -1. */
export function picPeekVector(master: usize, slave: usize): i32 {
  const irq = picGetIrq(master);
  if (irq < 0) return -1;
  if (irq == 2) {
    const irq2 = picGetIrq(slave);
    return <i32>r8(slave, PIC_OFF_IRQ_BASE) + (irq2 >= 0 ? irq2 : 7);
  }
  return <i32>r8(master, PIC_OFF_IRQ_BASE) + irq;
}

/** The INTA cycle: acknowledges and returns the vector (spurious IR7 when nothing is pending). */
export function picReadVector(master: usize, slave: usize): i32 {
  const irq = picGetIrq(master);
  let vector: i32;
  if (irq >= 0) {
    picIntack(master, <u32>irq);
    if (irq == 2) {
      let irq2 = picGetIrq(slave);
      if (irq2 >= 0) picIntack(slave, <u32>irq2);
      else irq2 = 7;
      vector = <i32>r8(slave, PIC_OFF_IRQ_BASE) + irq2;
    } else {
      vector = <i32>r8(master, PIC_OFF_IRQ_BASE) + irq;
    }
  } else {
    vector = <i32>r8(master, PIC_OFF_IRQ_BASE) + 7;
  }
  picUpdate(master, slave);
  return vector;
}

/** A write to the command (a0 = 0) or data (a0 = 1) port of one chip. Caller runs picUpdate. */
export function picWrite(pic: usize, a0: u32, val: u32): void {
  if (a0 == 0) {
    if ((val & 0x10) != 0) {            // ICW1
      w8(pic, PIC_OFF_INIT4, val & 1);
      w8(pic, PIC_OFF_SINGLE, (val >> 1) & 1);
      w8(pic, PIC_OFF_LAST_IRR, 0);
      w8(pic, PIC_OFF_IRR, r8(pic, PIC_OFF_IRR) & r8(pic, PIC_OFF_ELCR));
      w8(pic, PIC_OFF_IMR, 0);
      w8(pic, PIC_OFF_ISR, 0);
      w8(pic, PIC_OFF_PRIORITY_ADD, 0);
      w8(pic, PIC_OFF_SPECIAL_MASK, 0);
      w8(pic, PIC_OFF_READ_ISR, 0);
      w8(pic, PIC_OFF_POLL, 0);
      if ((val & 1) == 0) {
        w8(pic, PIC_OFF_AUTO_EOI, 0);
        w8(pic, PIC_OFF_SFNM, 0);
      }
      w8(pic, PIC_OFF_INIT_STATE, 1);
    } else if ((val & 0x08) != 0) {     // OCW3
      if ((val & 0x04) != 0) w8(pic, PIC_OFF_POLL, 1);
      if ((val & 0x02) != 0) w8(pic, PIC_OFF_READ_ISR, val & 1);
      if ((val & 0x40) != 0) w8(pic, PIC_OFF_SPECIAL_MASK, (val >> 5) & 1);
    } else {                            // OCW2
      ocw2(pic, val);
    }
    return;
  }
  const state = r8(pic, PIC_OFF_INIT_STATE);
  if (state == 0) {
    w8(pic, PIC_OFF_IMR, val);          // OCW1
  } else if (state == 1) {              // ICW2
    w8(pic, PIC_OFF_IRQ_BASE, val & 0xf8);
    const single = r8(pic, PIC_OFF_SINGLE) != 0;
    const init4 = r8(pic, PIC_OFF_INIT4) != 0;
    w8(pic, PIC_OFF_INIT_STATE, single ? (init4 ? 3 : 0) : 2);
  } else if (state == 2) {              // ICW3 (cascade wiring is fixed: slave on IR2)
    w8(pic, PIC_OFF_INIT_STATE, r8(pic, PIC_OFF_INIT4) != 0 ? 3 : 0);
  } else {                              // ICW4
    w8(pic, PIC_OFF_AUTO_EOI, (val >> 1) & 1);
    w8(pic, PIC_OFF_SFNM, (val >> 4) & 1);
    w8(pic, PIC_OFF_INIT_STATE, 0);
  }
}

function ocw2(pic: usize, val: u32): void {
  const cmd = val >> 5;
  const isr = r8(pic, PIC_OFF_ISR);
  if (cmd == 0 || cmd == 4) {           // rotate in auto-EOI mode clear/set
    w8(pic, PIC_OFF_ROTATE_AEOI, cmd >> 2);
  } else if (cmd == 1 || cmd == 5) {    // non-specific EOI (rotating for 5)
    const p = priorityOf(pic, isr);
    if (p != 8) {
      const irq = (p + r8(pic, PIC_OFF_PRIORITY_ADD)) & 7;
      w8(pic, PIC_OFF_ISR, isr & ~(<u32>1 << irq));
      if (cmd == 5) w8(pic, PIC_OFF_PRIORITY_ADD, (irq + 1) & 7);
    }
  } else if (cmd == 3 || cmd == 7) {    // specific EOI (rotating for 7)
    const irq = val & 7;
    w8(pic, PIC_OFF_ISR, isr & ~(<u32>1 << irq));
    if (cmd == 7) w8(pic, PIC_OFF_PRIORITY_ADD, (irq + 1) & 7);
  } else if (cmd == 6) {                // set priority: IR val&7 becomes the lowest
    w8(pic, PIC_OFF_PRIORITY_ADD, ((val & 7) + 1) & 7);
  }
}

/** A read of the command (a0 = 0) or data (a0 = 1) port. Poll reads acknowledge like INTA. */
export function picRead(pic: usize, a0: u32): u32 {
  if (r8(pic, PIC_OFF_POLL) != 0) {
    w8(pic, PIC_OFF_POLL, 0);
    const irq = picGetIrq(pic);
    if (irq < 0) return 0;
    picIntack(pic, <u32>irq);
    return 0x80 | <u32>irq;
  }
  if (a0 != 0) return r8(pic, PIC_OFF_IMR);
  return r8(pic, PIC_OFF_READ_ISR) != 0 ? r8(pic, PIC_OFF_ISR) : r8(pic, PIC_OFF_IRR);
}

export function picWriteElcr(pic: usize, val: u32): void {
  w8(pic, PIC_OFF_ELCR, val & r8(pic, PIC_OFF_ELCR_MASK));
}

export function picReadElcr(pic: usize): u32 {
  return r8(pic, PIC_OFF_ELCR);
}
