// irqchip/pit.ts — the 8254 programmable interval timer (ports 0x40-0x42 counters, 0x43 control)
// and the bits of system control port B (0x61) that belong to it: bit 0 timer-2 gate, bit 1
// speaker data enable (stored), bit 4 refresh toggle, bit 5 OUT2 — what Linux polls when it
// calibrates the TSC against channel 2.
//
// Per the 8254 datasheet: modes 0-5 (6 and 7 alias 2 and 3), LSB/MSB/word access with a
// flip-flop, counter latch command, read-back command (count and/or status of several
// counters), status byte (OUT, null count, RW, mode, BCD). Counters are not stepped: the count
// and OUT are computed from VM time since the count was loaded (1.193182 MHz input clock).
// Channel 0 drives GSI 0; its next OUT rising edge is a deadline that run() services.
// Channels 0 and 1 have their gate tied high; channel 2's gate is port 0x61 bit 0.
// State lives in the VM struct at VM_OFF_PIT; callers hold the VM's irqchip lock.

import { NO_DEADLINE, scaleFromNs, scaleToNs } from '../hv/clock';

export const PIT_HZ: u64 = 1_193_182;
export const PIT_CHANNEL_SIZE: u32 = 64;
export const PIT_OFF_PORT61: u32 = 0xc0;     // u8: bits 0-3 as written
export const PIT_OFF_IRQ_COUNT: u32 = 0xc4;  // u32: channel-0 interrupts raised

// channel fields
const CH_COUNT: u32 = 0;         // u32 reload value, 1..0x10000
const CH_MODE: u32 = 4;
const CH_RW: u32 = 5;            // 1 LSB, 2 MSB, 3 LSB then MSB
const CH_BCD: u32 = 6;
const CH_GATE: u32 = 7;
const CH_READ_STATE: u32 = 8;    // RW_* (3/4 = next byte of a word is LSB/MSB)
const CH_WRITE_STATE: u32 = 9;
const CH_WRITE_LATCH: u32 = 10;
const CH_STATUS_LATCHED: u32 = 11;
const CH_STATUS: u32 = 12;
const CH_COUNT_LATCHED: u32 = 13; // RW state of the latched count, 0 = none
const CH_NULL_COUNT: u32 = 14;
const CH_ARMED: u32 = 15;         // a count was loaded and counting started
const CH_LATCHED_COUNT: u32 = 16; // u16
const CH_LOAD_NS: u32 = 24;       // u64 VM ns when counting (re)started
const CH_DEADLINE: u32 = 32;      // u64 next OUT rising edge (channel 0), NO_DEADLINE if none
const CH_PAUSE_NS: u32 = 40;      // u64 VM ns the gate went low (counting suspended), 0 = running
const CH_NEXT_PERIOD: u32 = 48;   // u64 index k of the next periodic edge (at k * count ticks)

const RW_LSB: u32 = 1;
const RW_MSB: u32 = 2;
const RW_WORD0: u32 = 3;
const RW_WORD1: u32 = 4;

@inline function ch(pit: usize, c: u32): usize { return pit + <usize>(c * PIT_CHANNEL_SIZE); }
@inline function r8(p: usize, off: u32): u32 { return <u32>load<u8>(p + off); }
@inline function w8(p: usize, off: u32, v: u32): void { store<u8>(p + off, <u8>v); }

export function pitReset(pit: usize): void {
  memory.fill(pit, 0, 0x100);
  for (let c: u32 = 0; c < 3; c++) {
    const p = ch(pit, c);
    store<u32>(p, 0x10000, CH_COUNT);
    w8(p, CH_GATE, c == 2 ? 0 : 1);
    w8(p, CH_RW, RW_WORD0);
    w8(p, CH_READ_STATE, RW_WORD0);
    w8(p, CH_WRITE_STATE, RW_WORD0);
    store<u64>(p, NO_DEADLINE, CH_DEADLINE);
  }
}

/** Input-clock ticks counted since the load (frozen while the gate holds the counter). */
function elapsedTicks(p: usize, now: u64): u64 {
  const pause = load<u64>(p, CH_PAUSE_NS);
  const t = pause != 0 ? pause : now;
  const start = load<u64>(p, CH_LOAD_NS);
  return t > start ? scaleFromNs(t - start, PIT_HZ) : 0;
}

export function pitCount(pit: usize, c: u32, now: u64): u32 {
  const p = ch(pit, c);
  const count = <u64>load<u32>(p, CH_COUNT);
  if (r8(p, CH_ARMED) == 0) return <u32>(count & 0xffff);
  const d = elapsedTicks(p, now);
  const mode = r8(p, CH_MODE);
  if (mode == 2) return <u32>((count - (d % count)) & 0xffff);
  if (mode == 3) return <u32>((count - ((d << 1) % count)) & 0xffff);
  return <u32>((count - d) & 0xffff);
}

export function pitOut(pit: usize, c: u32, now: u64): bool {
  const p = ch(pit, c);
  const mode = r8(p, CH_MODE);
  if (r8(p, CH_ARMED) == 0) return mode != 0;
  const count = <u64>load<u32>(p, CH_COUNT);
  const d = elapsedTicks(p, now);
  if (mode == 0 || mode == 1) return d >= count;
  if (mode == 2) return (d % count) != count - 1 || count == 1;
  if (mode == 3) return (d % count) < ((count + 1) >> 1);
  return d != count; // modes 4 and 5: one-tick strobe at terminal count
}

/** Channel 0's next OUT rising edge in VM ns (NO_DEADLINE when none). */
export function pitDeadline(pit: usize): u64 {
  return load<u64>(ch(pit, 0), CH_DEADLINE);
}

function computeDeadline(pit: usize): void {
  const p = ch(pit, 0);
  const mode = r8(p, CH_MODE);
  if (r8(p, CH_ARMED) == 0) { store<u64>(p, NO_DEADLINE, CH_DEADLINE); return; }
  const count = <u64>load<u32>(p, CH_COUNT);
  const start = load<u64>(p, CH_LOAD_NS);
  if (mode == 2 || mode == 3) {
    store<u64>(p, start + scaleToNs(load<u64>(p, CH_NEXT_PERIOD) * count, PIT_HZ), CH_DEADLINE);
  } else if (load<u64>(p, CH_NEXT_PERIOD) == 1) {
    // one-shot modes: OUT rises (0, 1) or strobes (4, 5) once, at terminal count
    store<u64>(p, start + scaleToNs(count, PIT_HZ), CH_DEADLINE);
  } else {
    store<u64>(p, NO_DEADLINE, CH_DEADLINE);
  }
}

/** Channel 0 interrupts due by `now` (0 or 1: missed periods are dropped, not queued). */
export function pitService(pit: usize, now: u64): u32 {
  const p = ch(pit, 0);
  const deadline = load<u64>(p, CH_DEADLINE);
  if (deadline == NO_DEADLINE || now < deadline) return 0;
  const mode = r8(p, CH_MODE);
  if (mode == 2 || mode == 3) {
    const count = <u64>load<u32>(p, CH_COUNT);
    const done = scaleFromNs(now - load<u64>(p, CH_LOAD_NS), PIT_HZ) / count; // periods completed
    let k = load<u64>(p, CH_NEXT_PERIOD) + 1;
    if (k <= done) k = done + 1;
    store<u64>(p, k, CH_NEXT_PERIOD);
  } else {
    store<u64>(p, 0, CH_NEXT_PERIOD);
  }
  computeDeadline(pit);
  store<u32>(pit, load<u32>(pit, PIT_OFF_IRQ_COUNT) + 1, PIT_OFF_IRQ_COUNT);
  return 1;
}

function loadCount(pit: usize, c: u32, val: u32, now: u64): void {
  const p = ch(pit, c);
  store<u32>(p, val == 0 ? 0x10000 : val, CH_COUNT);
  store<u64>(p, now, CH_LOAD_NS);
  store<u64>(p, r8(p, CH_GATE) == 0 && r8(p, CH_MODE) != 1 && r8(p, CH_MODE) != 5 ? (now == 0 ? 1 : now) : 0, CH_PAUSE_NS);
  store<u64>(p, 1, CH_NEXT_PERIOD);
  w8(p, CH_NULL_COUNT, 0);
  w8(p, CH_ARMED, 1);
  if (c == 0) computeDeadline(pit);
}

function latchCount(pit: usize, c: u32, now: u64): void {
  const p = ch(pit, c);
  if (r8(p, CH_COUNT_LATCHED) != 0) return; // a latch holds until it is read
  store<u16>(p + CH_LATCHED_COUNT, <u16>pitCount(pit, c, now));
  w8(p, CH_COUNT_LATCHED, r8(p, CH_RW) == 3 ? RW_WORD0 : r8(p, CH_RW));
}

function latchStatus(pit: usize, c: u32, now: u64): void {
  const p = ch(pit, c);
  if (r8(p, CH_STATUS_LATCHED) != 0) return;
  const status = (pitOut(pit, c, now) ? 0x80 : 0) | (r8(p, CH_NULL_COUNT) << 6) |
    (r8(p, CH_RW) << 4) | (r8(p, CH_MODE) << 1) | r8(p, CH_BCD);
  w8(p, CH_STATUS, status);
  w8(p, CH_STATUS_LATCHED, 1);
}

/** OUT to 0x40-0x43. */
export function pitWrite(pit: usize, port: u32, val: u32, now: u64): void {
  val &= 0xff;
  if (port == 0x43) {
    const c = val >> 6;
    if (c == 3) { // read-back
      for (let i: u32 = 0; i < 3; i++) {
        if ((val & (2 << i)) == 0) continue;
        if ((val & 0x20) == 0) latchCount(pit, i, now);
        if ((val & 0x10) == 0) latchStatus(pit, i, now);
      }
      return;
    }
    const p = ch(pit, c);
    const rw = (val >> 4) & 3;
    if (rw == 0) { latchCount(pit, c, now); return; }
    let mode = (val >> 1) & 7;
    if (mode > 5) mode -= 4;
    w8(p, CH_RW, rw);
    w8(p, CH_READ_STATE, rw == 3 ? RW_WORD0 : rw);
    w8(p, CH_WRITE_STATE, rw == 3 ? RW_WORD0 : rw);
    w8(p, CH_MODE, mode);
    w8(p, CH_BCD, val & 1);
    w8(p, CH_NULL_COUNT, 1);
    w8(p, CH_ARMED, 0); // a control word stops the counter until a count is written
    if (c == 0) computeDeadline(pit);
    return;
  }
  const c = port - 0x40;
  const p = ch(pit, c);
  const ws = r8(p, CH_WRITE_STATE);
  if (ws == RW_LSB) loadCount(pit, c, val, now);
  else if (ws == RW_MSB) loadCount(pit, c, val << 8, now);
  else if (ws == RW_WORD0) { w8(p, CH_WRITE_LATCH, val); w8(p, CH_WRITE_STATE, RW_WORD1); }
  else { loadCount(pit, c, r8(p, CH_WRITE_LATCH) | (val << 8), now); w8(p, CH_WRITE_STATE, RW_WORD0); }
}

/** IN from 0x40-0x42 (0x43 reads as 0xff). */
export function pitRead(pit: usize, port: u32, now: u64): u32 {
  if (port == 0x43) return 0xff;
  const c = port - 0x40;
  const p = ch(pit, c);
  if (r8(p, CH_STATUS_LATCHED) != 0) {
    w8(p, CH_STATUS_LATCHED, 0);
    return r8(p, CH_STATUS);
  }
  const latched = r8(p, CH_COUNT_LATCHED);
  if (latched != 0) {
    const v = <u32>load<u16>(p + CH_LATCHED_COUNT);
    if (latched == RW_LSB) { w8(p, CH_COUNT_LATCHED, 0); return v & 0xff; }
    if (latched == RW_MSB) { w8(p, CH_COUNT_LATCHED, 0); return v >> 8; }
    if (latched == RW_WORD0) { w8(p, CH_COUNT_LATCHED, RW_MSB); return v & 0xff; }
    w8(p, CH_COUNT_LATCHED, 0);
    return v >> 8;
  }
  const count = pitCount(pit, c, now);
  const rs = r8(p, CH_READ_STATE);
  if (rs == RW_LSB) return count & 0xff;
  if (rs == RW_MSB) return count >> 8;
  if (rs == RW_WORD0) { w8(p, CH_READ_STATE, RW_WORD1); return count & 0xff; }
  w8(p, CH_READ_STATE, RW_WORD0);
  return count >> 8;
}

/** Channel 2's gate (port 0x61 bit 0): a rising edge restarts modes 1, 2, 3, 5; low holds 0, 2, 3, 4. */
function setGate2(pit: usize, gate: u32, now: u64): void {
  const p = ch(pit, 2);
  const old = r8(p, CH_GATE);
  if (old == gate) return;
  w8(p, CH_GATE, gate);
  const mode = r8(p, CH_MODE);
  if (gate != 0) {
    if (mode == 0 || mode == 4) {
      const pause = load<u64>(p, CH_PAUSE_NS);
      if (pause != 0) store<u64>(p, load<u64>(p, CH_LOAD_NS) + (now - pause), CH_LOAD_NS);
    } else {
      store<u64>(p, now, CH_LOAD_NS);
    }
    store<u64>(p, 0, CH_PAUSE_NS);
  } else if (mode != 1 && mode != 5) {
    store<u64>(p, now == 0 ? 1 : now, CH_PAUSE_NS);
  }
}

/** IN from port 0x61: gate/speaker bits as written, refresh toggle (15 us), OUT2. */
export function pitReadPort61(pit: usize, now: u64): u32 {
  const refresh: u32 = <u32>((now / 15085) & 1);
  return (r8(pit, PIT_OFF_PORT61) & 0x0f) | (refresh << 4) | (pitOut(pit, 2, now) ? 0x20 : 0);
}

export function pitWritePort61(pit: usize, val: u32, now: u64): void {
  w8(pit, PIT_OFF_PORT61, val & 0x0f);
  setGate2(pit, val & 1, now);
}
