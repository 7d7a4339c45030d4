// The CMOS RTC (Motorola MC146818A / the PC's "CMOS"), ports 0x70 (index; bit 7 masks NMI)
// and 0x71 (data). Time registers 0-9 and the century byte 0x32 in BCD or binary, 12h or
// 24h (register B DM and 24/12 bits); register A: UIP (set during the last 244 µs of each
// second), divider (DV = 010 runs the oscillator) and periodic rate RS; register B: SET,
// PIE/AIE/UIE; register C: IRQF/PF/AF/UF, cleared when read; register D: VRT. IRQ 8 is
// driven while IRQF is set. NVRAM 0x0E-0x7F with memory sizes where BIOS-era code reads
// them (0x15/0x16 base KiB, 0x17/0x18 and 0x30/0x31 extended KiB, 0x34/0x35 64 KiB blocks
// above 16 MiB, 0x5B-0x5D 64 KiB blocks above 4 GiB, 0x5F CPU count - 1 as SeaBIOS reads).
// Invariants: the guest clock is clock() + offset (UTC); event flags are computed lazily from
// the clock whenever the device is touched or polled, so no host timer runs unless the guest
// enabled an interrupt (nextDeadline() tells the VMM when to poll()).

import type { AccessSize, IoHandler } from '../bus/types.js';

export type Clock = () => number; // milliseconds since the Unix epoch, fractions allowed

export const RTC_SECONDS = 0x00, RTC_SECONDS_ALARM = 0x01, RTC_MINUTES = 0x02, RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04, RTC_HOURS_ALARM = 0x05, RTC_DAY_OF_WEEK = 0x06, RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08, RTC_YEAR = 0x09, RTC_REG_A = 0x0a, RTC_REG_B = 0x0b, RTC_REG_C = 0x0c, RTC_REG_D = 0x0d;
export const RTC_CENTURY = 0x32;
export const REG_A_UIP = 0x80, REG_B_SET = 0x80, REG_B_PIE = 0x40, REG_B_AIE = 0x20, REG_B_UIE = 0x10;
export const REG_B_DM_BINARY = 0x04, REG_B_24H = 0x02;
export const REG_C_IRQF = 0x80, REG_C_PF = 0x40, REG_C_AF = 0x20, REG_C_UF = 0x10;
const UIP_MS = 0.244;

export interface CmosMemoryInfo {
  /** Bytes of RAM below the PCI hole (from 0). */
  lowMemory: number;
  /** Bytes of RAM mapped at 4 GiB and above. */
  highMemory: number;
  vcpus: number;
}

interface TimeFields { sec: number; min: number; hour: number; day: number; month: number; year: number; ms: number }

function fieldsOf(ms: number): TimeFields {
  const d = new Date(ms);
  return { sec: d.getUTCSeconds(), min: d.getUTCMinutes(), hour: d.getUTCHours(), day: d.getUTCDate(), month: d.getUTCMonth() + 1, year: d.getUTCFullYear(), ms: d.getUTCMilliseconds() };
}

function msOf(f: TimeFields): number {
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.min, f.sec, f.ms);
}

const toBcd = (v: number) => ((Math.floor(v / 10) << 4) | (v % 10)) & 0xff;
const fromBcd = (v: number) => (v >> 4) * 10 + (v & 0x0f);

export class CmosRtc implements IoHandler {
  readonly nvram = new Uint8Array(128);
  private index = 0;
  /** NMI disabled by bit 7 of the last index write (the core may read this). */
  nmiMasked = false;
  private offsetMs = 0;
  private held: TimeFields | undefined; // time registers while SET is 1 (kept field by field, as the chip does)
  private lastPeriodic = 0;       // index of the last periodic tick folded into PF
  private lastSecond = 0;         // last whole second folded into UF/AF
  private irqLevel = false;

  constructor(private readonly setIrq: (level: boolean) => void, private readonly clock: Clock = Date.now, mem?: CmosMemoryInfo) {
    this.nvram[RTC_REG_A] = 0x26; // DV = 010 (32.768 kHz), RS = 0110 (1024 Hz)
    this.nvram[RTC_REG_B] = REG_B_24H;
    this.nvram[RTC_REG_D] = 0x80; // valid RAM and time
    if (mem) this.setMemoryInfo(mem);
    this.resync();
  }

  setMemoryInfo({ lowMemory, highMemory, vcpus }: CmosMemoryInfo): void {
    const n = this.nvram;
    const setWord = (off: number, v: number) => { n[off] = v & 0xff; n[off + 1] = (v >> 8) & 0xff; };
    setWord(0x15, 640);
    const extKb = Math.min(0xfc00, Math.max(0, Math.floor((lowMemory - 0x100000) / 1024)));
    setWord(0x17, extKb);
    setWord(0x30, extKb);
    setWord(0x34, Math.min(0xffff, Math.max(0, Math.floor((lowMemory - 0x1000000) / 0x10000))));
    const high = Math.floor(highMemory / 0x10000);
    n[0x5b] = high & 0xff; n[0x5c] = (high >> 8) & 0xff; n[0x5d] = (high >> 16) & 0xff;
    n[0x5f] = Math.max(0, vcpus - 1);
    n[0x14] = 0x06; // equipment: math coprocessor, 80x25 colour (no floppy)
  }

  /** The guest's current time in ms since the epoch. */
  now(): number {
    return this.held ? msOf(this.held) : this.clock() + this.offsetMs;
  }

  /** Set the guest clock (e.g. from a domain's <clock offset=...>). */
  setTime(ms: number): void {
    this.offsetMs = ms - this.clock();
    this.resync();
  }

  // ---- IoHandler at 0x70, length 2 ----
  read(offset: number, _size: AccessSize): number {
    if (offset === 0) return 0xff; // the index register is write-only
    return this.readRegister(this.index);
  }

  write(offset: number, _size: AccessSize, value: number): void {
    if (offset === 0) {
      this.index = value & 0x7f;
      this.nmiMasked = (value & 0x80) !== 0;
    } else {
      this.writeRegister(this.index, value & 0xff);
    }
  }

  /** Fold elapsed time into the interrupt flags and drive IRQ 8 (the VMM calls this at deadlines). */
  poll(): void {
    this.updateFlags();
    this.updateIrq();
  }

  /** Host-clock time (ms) at which an enabled RTC interrupt will next fire, or undefined. */
  nextDeadline(): number | undefined {
    const b = this.nvram[RTC_REG_B]!;
    if (!this.running || b & REG_B_SET) return undefined;
    const t = this.clock();
    let next: number | undefined;
    const period = this.periodMs();
    if (b & REG_B_PIE && period) next = (Math.floor((t + this.offsetMs) / period) + 1) * period - this.offsetMs;
    if (b & (REG_B_UIE | REG_B_AIE)) {
      const sec = (Math.floor((t + this.offsetMs) / 1000) + 1) * 1000 - this.offsetMs;
      next = next === undefined ? sec : Math.min(next, sec);
    }
    return next;
  }

  private get running(): boolean {
    return (this.nvram[RTC_REG_A]! & 0x70) === 0x20;
  }

  /** Periodic interrupt period in ms from RS (0 = off). */
  private periodMs(): number {
    const rs = this.nvram[RTC_REG_A]! & 0x0f;
    if (rs === 0) return 0;
    const ticks = rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
    return (ticks / 32768) * 1000;
  }

  private resync(): void {
    const g = this.now();
    const p = this.periodMs();
    this.lastPeriodic = p ? Math.floor(g / p) : 0;
    this.lastSecond = Math.floor(g / 1000);
  }

  private updateFlags(): void {
    if (!this.running || this.held) return;
    const g = this.now();
    const p = this.periodMs();
    let c = this.nvram[RTC_REG_C]!;
    if (p) {
      const tick = Math.floor(g / p);
      if (tick > this.lastPeriodic) c |= REG_C_PF;
      this.lastPeriodic = tick;
    }
    const sec = Math.floor(g / 1000);
    if (sec > this.lastSecond) {
      c |= REG_C_UF;
      const first = Math.max(this.lastSecond + 1, sec - 86400);
      for (let s = first; s <= sec; s++) if (this.alarmMatches(new Date(s * 1000))) { c |= REG_C_AF; break; }
    }
    this.lastSecond = sec;
    this.nvram[RTC_REG_C] = c;
  }

  private alarmMatches(d: Date): boolean {
    const m = (alarmReg: number, value: number, isHour: boolean) => {
      const a = this.nvram[alarmReg]!;
      if ((a & 0xc0) === 0xc0) return true; // "don't care"
      return a === (isHour ? this.encodeHour(value) : this.encode(value));
    };
    return m(RTC_SECONDS_ALARM, d.getUTCSeconds(), false) && m(RTC_MINUTES_ALARM, d.getUTCMinutes(), false) && m(RTC_HOURS_ALARM, d.getUTCHours(), true);
  }

  private updateIrq(): void {
    const b = this.nvram[RTC_REG_B]!;
    let c = this.nvram[RTC_REG_C]! & 0x70;
    if (c & b & (REG_B_PIE | REG_B_AIE | REG_B_UIE)) c |= REG_C_IRQF;
    this.nvram[RTC_REG_C] = c;
    const level = (c & REG_C_IRQF) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.setIrq(level);
    }
  }

  private get binary(): boolean { return (this.nvram[RTC_REG_B]! & REG_B_DM_BINARY) !== 0; }
  private encode(v: number): number { return this.binary ? v : toBcd(v); }
  private decode(v: number): number { return this.binary ? v : fromBcd(v); }

  private encodeHour(h: number): number {
    if (this.nvram[RTC_REG_B]! & REG_B_24H) return this.encode(h);
    const pm = h >= 12 ? 0x80 : 0;
    return this.encode(h % 12 === 0 ? 12 : h % 12) | pm;
  }

  private decodeHour(v: number): number {
    if (this.nvram[RTC_REG_B]! & REG_B_24H) return this.decode(v);
    const h12 = this.decode(v & 0x7f) % 12;
    return v & 0x80 ? h12 + 12 : h12;
  }

  private readRegister(reg: number): number {
    this.updateFlags();
    const d = new Date(this.now());
    switch (reg) {
      case RTC_SECONDS: return this.encode(d.getUTCSeconds());
      case RTC_MINUTES: return this.encode(d.getUTCMinutes());
      case RTC_HOURS: return this.encodeHour(d.getUTCHours());
      case RTC_DAY_OF_WEEK: return this.encode(d.getUTCDay() + 1);
      case RTC_DAY_OF_MONTH: return this.encode(d.getUTCDate());
      case RTC_MONTH: return this.encode(d.getUTCMonth() + 1);
      case RTC_YEAR: return this.encode(d.getUTCFullYear() % 100);
      case RTC_CENTURY: return this.encode(Math.floor(d.getUTCFullYear() / 100));
      case RTC_REG_A: {
        const frac = this.now() - Math.floor(this.now() / 1000) * 1000;
        const uip = this.running && !this.held && frac >= 1000 - UIP_MS ? REG_A_UIP : 0;
        return (this.nvram[RTC_REG_A]! & 0x7f) | uip;
      }
      case RTC_REG_C: {
        this.updateIrq();
        const v = this.nvram[RTC_REG_C]!;
        this.nvram[RTC_REG_C] = 0;
        this.updateIrq();
        return v;
      }
      default: return this.nvram[reg]!;
    }
  }

  private writeRegister(reg: number, v: number): void {
    switch (reg) {
      case RTC_SECONDS: case RTC_MINUTES: case RTC_HOURS: case RTC_DAY_OF_MONTH:
      case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
        this.writeTimeField(reg, v);
        return;
      case RTC_DAY_OF_WEEK: return; // derived from the date
      case RTC_REG_A:
        this.updateFlags();
        this.nvram[RTC_REG_A] = v & 0x7f;
        this.resync();
        return;
      case RTC_REG_B: {
        this.updateFlags();
        const wasSet = (this.nvram[RTC_REG_B]! & REG_B_SET) !== 0;
        if (v & REG_B_SET) v &= ~REG_B_UIE; // SET clears UIE (datasheet)
        this.nvram[RTC_REG_B] = v;
        if (v & REG_B_SET && !wasSet) this.held = fieldsOf(this.clock() + this.offsetMs);
        if (!(v & REG_B_SET) && wasSet && this.held) {
          this.offsetMs = msOf(this.held) - this.clock();
          this.held = undefined;
          this.resync();
        }
        this.updateIrq();
        return;
      }
      case RTC_REG_C: case RTC_REG_D: return; // read-only
      default: this.nvram[reg] = v;
    }
  }

  private writeTimeField(reg: number, v: number): void {
    const f = this.held ?? fieldsOf(this.now());
    switch (reg) {
      case RTC_SECONDS: f.sec = this.decode(v); break;
      case RTC_MINUTES: f.min = this.decode(v); break;
      case RTC_HOURS: f.hour = this.decodeHour(v); break;
      case RTC_DAY_OF_MONTH: f.day = this.decode(v); break;
      case RTC_MONTH: f.month = this.decode(v); break;
      case RTC_YEAR: f.year = Math.floor(f.year / 100) * 100 + this.decode(v); break;
      case RTC_CENTURY: f.year = this.decode(v) * 100 + (f.year % 100); break;
    }
    if (!this.held) {
      this.offsetMs = msOf(f) - this.clock();
      this.resync();
    }
  }
}
