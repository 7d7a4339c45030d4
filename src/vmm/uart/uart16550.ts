// The 16550A UART (National Semiconductor PC16550D datasheet; what Linux's 8250 driver
// autoconfigures as "16550A"): RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR, and DLL/DLM
// behind LCR.DLAB. 16-byte receive FIFO with trigger levels; transmission is instantaneous
// (THR -> backend, or -> RX FIFO in loopback), so THRE/TEMT are set except inside a write.
// Interrupts by priority: receiver line status, received data / character timeout, THR empty,
// modem status; the IRQ output is the "interrupt pending" level ANDed with MCR.OUT2 (the PC
// board's gate) and forced off in loopback.
// Invariants: IIR reflects the highest-priority pending source; reading IIR when it reports THRE
// clears the THRE interrupt; an IER write that enables THRI with THR empty raises it again
// (Linux's UART_BUG_THRE test); input from the backend is queued, never dropped.
// A line BREAK from the backend (QEMU's CHR_EVENT_BREAK) takes its place in the input stream as a
// NUL character marked as a break: when it reaches the top of the FIFO, LSR.BI is set (and the
// receiver line status interrupt raised); Linux's 8250 driver then takes the next character as a
// Magic SysRq key (CONFIG_MAGIC_SYSRQ_SERIAL).

import type { AccessSize, IoHandler } from '../bus/types.js';
import type { CharBackend, CharInput } from '../chardev/backend.js';

export const UART_RBR = 0, UART_THR = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1, UART_IIR = 2, UART_FCR = 2;
export const UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7;

export const IER_RDI = 0x01, IER_THRI = 0x02, IER_RLSI = 0x04, IER_MSI = 0x08;
export const IIR_NO_INT = 0x01, IIR_MSI = 0x00, IIR_THRI = 0x02, IIR_RDI = 0x04, IIR_RLSI = 0x06, IIR_CTI = 0x0c, IIR_FIFO_ENABLED = 0xc0;
export const FCR_ENABLE = 0x01, FCR_CLEAR_RX = 0x02, FCR_CLEAR_TX = 0x04;
export const LCR_DLAB = 0x80;
export const MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
export const LSR_DR = 0x01, LSR_OE = 0x02, LSR_PE = 0x04, LSR_FE = 0x08, LSR_BI = 0x10, LSR_THRE = 0x20, LSR_TEMT = 0x40, LSR_FIFO_ERR = 0x80;
export const MSR_DCTS = 0x01, MSR_DDSR = 0x02, MSR_TERI = 0x04, MSR_DDCD = 0x08, MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;

const FIFO_SIZE = 16;
/** A FIFO entry received as a line break: reads as NUL, with LSR.BI while at the top. */
const BREAK_CHAR = 0x100;
const TRIGGER_LEVELS = [1, 4, 8, 14];

/** The standard PC serial ports: base port and ISA IRQ. */
export const COM_PORTS = [
  { name: 'COM1', base: 0x3f8, irq: 4 },
  { name: 'COM2', base: 0x2f8, irq: 3 },
  { name: 'COM3', base: 0x3e8, irq: 4 },
  { name: 'COM4', base: 0x2e8, irq: 3 },
] as const;

export class Uart16550 implements IoHandler, CharInput {
  private rbrFifo: number[] = [];
  private readonly pendingInput: number[] = [];
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private lsr = LSR_THRE | LSR_TEMT;
  private msrDeltas = 0;
  private scr = 0;
  private fcr = 0;
  private divisor = 12; // 9600 baud from 1.8432 MHz
  private thrInterrupt = false;
  private irqLevel = false;
  /** Bytes transmitted (for statistics). */
  txBytes = 0;

  constructor(private readonly backend: CharBackend, private readonly setIrq: (level: boolean) => void) {
    backend.connect?.(this);
  }

  reset(): void {
    this.rbrFifo = [];
    this.ier = this.lcr = this.mcr = this.scr = this.fcr = this.msrDeltas = 0;
    this.lsr = LSR_THRE | LSR_TEMT;
    this.divisor = 12;
    this.thrInterrupt = false;
    this.fillFifo();
    this.update();
  }

  get baudDivisor(): number { return this.divisor; }

  // ---- CharInput ----
  push(data: Uint8Array): void {
    for (const b of data) this.pendingInput.push(b);
    if (!(this.mcr & MCR_LOOP)) this.fillFifo();
    this.update();
  }

  /** A BREAK condition on the receive line, in order with the bytes pushed before and after it. */
  sendBreak(): void {
    this.pendingInput.push(BREAK_CHAR);
    if (!(this.mcr & MCR_LOOP)) this.fillFifo();
    this.update();
  }

  // ---- IoHandler: 8 byte-wide registers ----
  read(offset: number, size: AccessSize): number {
    let v = this.readRegister(offset & 7);
    // Wider accesses read consecutive registers (rare; 8250 is byte-wide).
    for (let i = 1; i < size; i++) v |= this.readRegister((offset + i) & 7) << (8 * i);
    return v >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) this.writeRegister((offset + i) & 7, (value >>> (8 * i)) & 0xff);
  }

  private readRegister(reg: number): number {
    switch (reg) {
      case UART_RBR: {
        if (this.lcr & LCR_DLAB) return this.divisor & 0xff;
        const b = this.rbrFifo.shift() ?? 0;
        if (!(this.mcr & MCR_LOOP)) this.fillFifo();
        this.lsrDataReady();
        this.breakAtTop();
        this.update();
        return b & 0xff;
      }
      case UART_IER:
        return this.lcr & LCR_DLAB ? this.divisor >>> 8 : this.ier;
      case UART_IIR: {
        const iir = this.iir();
        if ((iir & 0x0f) === IIR_THRI) {
          this.thrInterrupt = false;
          this.update();
        }
        return iir;
      }
      case UART_LCR:
        return this.lcr;
      case UART_MCR:
        return this.mcr;
      case UART_LSR: {
        const v = this.lsr;
        this.lsr &= ~(LSR_OE | LSR_PE | LSR_FE | LSR_BI | LSR_FIFO_ERR);
        this.update();
        return v;
      }
      case UART_MSR: {
        const v = this.msr();
        this.msrDeltas = 0;
        this.update();
        return v;
      }
      default:
        return this.scr;
    }
  }

  private writeRegister(reg: number, v: number): void {
    switch (reg) {
      case UART_THR:
        if (this.lcr & LCR_DLAB) this.divisor = (this.divisor & 0xff00) | v;
        else this.transmit(v);
        break;
      case UART_IER:
        if (this.lcr & LCR_DLAB) this.divisor = (this.divisor & 0xff) | (v << 8);
        else {
          const before = this.ier;
          this.ier = v & 0x0f;
          if (!(before & IER_THRI) && this.ier & IER_THRI && this.lsr & LSR_THRE) this.thrInterrupt = true;
        }
        break;
      case UART_FCR:
        this.writeFcr(v);
        break;
      case UART_LCR:
        this.lcr = v;
        break;
      case UART_MCR:
        this.writeMcr(v & 0x1f);
        break;
      case UART_LSR:
      case UART_MSR:
        break; // read-only (factory test registers)
      default:
        this.scr = v;
    }
    this.update();
  }

  private transmit(byte: number): void {
    if (this.mcr & MCR_LOOP) {
      this.receiveByte(byte);
    } else {
      this.backend.write(Uint8Array.of(byte));
    }
    this.txBytes++;
    this.lsr |= LSR_THRE | LSR_TEMT;
    this.thrInterrupt = true;
  }

  private writeFcr(v: number): void {
    if ((v ^ this.fcr) & FCR_ENABLE) v |= FCR_CLEAR_RX | FCR_CLEAR_TX;
    if (v & FCR_CLEAR_RX) {
      this.rbrFifo = [];
      this.lsr &= ~(LSR_DR | LSR_FIFO_ERR);
    }
    this.fcr = v & 0xc9;
    if (!(this.mcr & MCR_LOOP)) this.fillFifo();
    this.lsrDataReady();
  }

  private writeMcr(v: number): void {
    const oldMsr = this.msr();
    const wasLoop = this.mcr & MCR_LOOP;
    this.mcr = v;
    const newMsr = this.msr();
    // Delta bits record changes of the modem inputs (loopback rewires them to MCR outputs).
    const changed = (oldMsr ^ newMsr) & 0xf0;
    if (changed & MSR_CTS) this.msrDeltas |= MSR_DCTS;
    if (changed & MSR_DSR) this.msrDeltas |= MSR_DDSR;
    if (changed & MSR_DCD) this.msrDeltas |= MSR_DDCD;
    if (oldMsr & MSR_RI && !(newMsr & MSR_RI)) this.msrDeltas |= MSR_TERI;
    if (wasLoop && !(v & MCR_LOOP)) this.fillFifo();
  }

  private msr(): number {
    let lines: number;
    if (this.mcr & MCR_LOOP) {
      lines = (this.mcr & MCR_RTS ? MSR_CTS : 0) | (this.mcr & MCR_DTR ? MSR_DSR : 0) |
        (this.mcr & MCR_OUT1 ? MSR_RI : 0) | (this.mcr & MCR_OUT2 ? MSR_DCD : 0);
    } else {
      lines = MSR_CTS | MSR_DSR | MSR_DCD; // a terminal is always connected
    }
    return lines | this.msrDeltas;
  }

  private get fifoEnabled(): boolean { return (this.fcr & FCR_ENABLE) !== 0; }
  private get fifoCapacity(): number { return this.fifoEnabled ? FIFO_SIZE : 1; }

  private receiveByte(b: number): void {
    if (this.rbrFifo.length >= this.fifoCapacity) {
      this.lsr |= LSR_OE; // only reachable in loopback: backend input is flow-controlled
      if (!this.fifoEnabled) this.rbrFifo[0] = b;
    } else {
      this.rbrFifo.push(b);
    }
    this.lsrDataReady();
  }

  /** Move queued backend input into the receive FIFO as space allows. */
  private fillFifo(): void {
    const wasEmpty = this.rbrFifo.length === 0;
    while (this.pendingInput.length && this.rbrFifo.length < this.fifoCapacity) this.rbrFifo.push(this.pendingInput.shift()!);
    this.lsrDataReady();
    if (wasEmpty) this.breakAtTop();
  }

  /** A break character that has just reached the top of the FIFO shows as LSR.BI (cleared by reading LSR). */
  private breakAtTop(): void {
    if (this.rbrFifo[0] === BREAK_CHAR) this.lsr |= LSR_BI;
  }

  private lsrDataReady(): void {
    if (this.rbrFifo.length) this.lsr |= LSR_DR;
    else this.lsr &= ~LSR_DR;
  }

  private iir(): number {
    const fifoBits = this.fifoEnabled ? IIR_FIFO_ENABLED : 0;
    if (this.ier & IER_RLSI && this.lsr & (LSR_OE | LSR_PE | LSR_FE | LSR_BI)) return fifoBits | IIR_RLSI;
    if (this.ier & IER_RDI && this.rbrFifo.length) {
      const trigger = this.fifoEnabled ? TRIGGER_LEVELS[this.fcr >>> 6]! : 1;
      // Below the trigger level the data would wait for the 4-character timeout; we report it at once.
      return fifoBits | (this.rbrFifo.length >= trigger ? IIR_RDI : IIR_CTI);
    }
    if (this.ier & IER_THRI && this.thrInterrupt && this.lsr & LSR_THRE) return fifoBits | IIR_THRI;
    if (this.ier & IER_MSI && this.msrDeltas & 0x0f) return fifoBits | IIR_MSI;
    return fifoBits | IIR_NO_INT;
  }

  private update(): void {
    const pending = (this.iir() & IIR_NO_INT) === 0;
    const level = pending && (this.mcr & MCR_OUT2) !== 0 && (this.mcr & MCR_LOOP) === 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.setIrq(level);
    }
  }
}
