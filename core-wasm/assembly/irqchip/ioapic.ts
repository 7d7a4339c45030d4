// irqchip/ioapic.ts — the I/O APIC (82093AA datasheet): 24 input pins, an indirect register
// window (IOREGSEL at +0x00, IOWIN at +0x10 of its MMIO page at 0xFEC00000), ID/version/
// arbitration registers, and a 64-bit redirection entry per pin.
//
// Redirection entry: vector 7:0, delivery mode 10:8, destination mode 11, delivery status 12 (RO),
// polarity 13, remote IRR 14 (RO), trigger mode 15, mask 16, destination 63:56.
// Edge pins deliver on a rising edge of the (asserted) line; level pins deliver while asserted,
// unmasked and remote IRR clear, and set remote IRR; the LAPIC's EOI of that vector (broadcast)
// clears remote IRR and re-delivers if the line is still asserted.
// Delivery itself is a message to the local APICs (hv/irq.ts `irqDeliver`), as on the APIC bus.
// State lives in the VM struct at VM_OFF_IOAPIC; callers hold the VM's irqchip lock.

export const IOAPIC_BASE: u64 = 0xfec00000;
export const IOAPIC_PINS: u32 = 24;
export const IOAPIC_VERSION: u32 = 0x11;

export const IOAPIC_OFF_REGSEL: u32 = 0;
export const IOAPIC_OFF_ID: u32 = 4;
export const IOAPIC_OFF_LINES: u32 = 8;   // bit per pin: line asserted
export const IOAPIC_OFF_REDIR: u32 = 16;  // u64 x 24

export const REDIR_MASKED: u64 = 1 << 16;
export const REDIR_LEVEL: u64 = 1 << 15;
export const REDIR_REMOTE_IRR: u64 = 1 << 14;
export const REDIR_DELIVERY_STATUS: u64 = 1 << 12;
const REDIR_RO_BITS: u64 = REDIR_REMOTE_IRR | REDIR_DELIVERY_STATUS;

@inline export function redirPtr(io: usize, pin: u32): usize {
  return io + IOAPIC_OFF_REDIR + (<usize>pin << 3);
}

export function ioapicReset(io: usize): void {
  store<u32>(io, 0, IOAPIC_OFF_REGSEL);
  store<u32>(io, 0, IOAPIC_OFF_ID);
  store<u32>(io, 0, IOAPIC_OFF_LINES);
  for (let i: u32 = 0; i < IOAPIC_PINS; i++) store<u64>(redirPtr(io, i), REDIR_MASKED);
}

/** Register read through IOWIN. */
export function ioapicReadReg(io: usize): u32 {
  const sel = load<u32>(io, IOAPIC_OFF_REGSEL) & 0xff;
  if (sel == 0) return load<u32>(io, IOAPIC_OFF_ID);
  if (sel == 1) return ((IOAPIC_PINS - 1) << 16) | IOAPIC_VERSION;
  if (sel == 2) return load<u32>(io, IOAPIC_OFF_ID); // arbitration ID mirrors the ID
  if (sel >= 0x10 && sel < 0x10 + IOAPIC_PINS * 2) {
    const e = load<u64>(redirPtr(io, (sel - 0x10) >> 1));
    return (sel & 1) != 0 ? <u32>(e >> 32) : <u32>e;
  }
  return 0xffffffff;
}

/** Register write through IOWIN; returns the pin whose entry changed (to re-evaluate) or -1. */
export function ioapicWriteReg(io: usize, val: u32): i32 {
  const sel = load<u32>(io, IOAPIC_OFF_REGSEL) & 0xff;
  if (sel == 0) {
    store<u32>(io, val & 0x0f000000, IOAPIC_OFF_ID);
    return -1;
  }
  if (sel < 0x10 || sel >= 0x10 + IOAPIC_PINS * 2) return -1;
  const pin = (sel - 0x10) >> 1;
  const p = redirPtr(io, pin);
  const e = load<u64>(p);
  let ne: u64;
  if ((sel & 1) != 0) ne = (e & 0xffffffff) | (<u64>val << 32);
  else ne = (e & 0xffffffff_00000000) | (e & REDIR_RO_BITS) | (<u64>val & ~REDIR_RO_BITS & 0xffffffff);
  if ((ne & REDIR_LEVEL) == 0) ne &= ~REDIR_REMOTE_IRR; // an edge pin has no remote IRR
  store<u64>(p, ne);
  return <i32>pin;
}

/** Should `pin` deliver now? (asserted, unmasked, and for level pins: remote IRR clear) */
export function ioapicWantsDelivery(io: usize, pin: u32): bool {
  const e = load<u64>(redirPtr(io, pin));
  if ((e & REDIR_MASKED) != 0) return false;
  if ((load<u32>(io, IOAPIC_OFF_LINES) & (1 << pin)) == 0) return false;
  return (e & REDIR_LEVEL) == 0 || (e & REDIR_REMOTE_IRR) == 0;
}

/**
 * Drives pin `pin`; returns true when the pin should deliver now (edge: rising edge; level:
 * asserted with remote IRR clear). The caller delivers and, for level pins, sets remote IRR.
 */
export function ioapicSetLine(io: usize, pin: u32, level: bool): bool {
  const lines = load<u32>(io, IOAPIC_OFF_LINES);
  const bit: u32 = 1 << pin;
  const was = (lines & bit) != 0;
  store<u32>(io, level ? lines | bit : lines & ~bit, IOAPIC_OFF_LINES);
  if (!level) return false;
  const e = load<u64>(redirPtr(io, pin));
  if ((e & REDIR_LEVEL) == 0 && was) return false;
  return ioapicWantsDelivery(io, pin);
}

/** Marks a level pin as in service at the LAPIC (remote IRR) after delivery. */
export function ioapicDelivered(io: usize, pin: u32): void {
  const p = redirPtr(io, pin);
  const e = load<u64>(p);
  if ((e & REDIR_LEVEL) != 0) store<u64>(p, e | REDIR_REMOTE_IRR);
}

/** EOI broadcast for `vector`: clears remote IRR; returns a bitmap of pins to re-deliver. */
export function ioapicEoi(io: usize, vector: u32): u32 {
  let again: u32 = 0;
  for (let pin: u32 = 0; pin < IOAPIC_PINS; pin++) {
    const p = redirPtr(io, pin);
    const e = load<u64>(p);
    if ((e & 0xff) != <u64>vector || (e & REDIR_REMOTE_IRR) == 0) continue;
    store<u64>(p, e & ~REDIR_REMOTE_IRR);
    if (ioapicWantsDelivery(io, pin)) again |= 1 << pin;
  }
  return again;
}
