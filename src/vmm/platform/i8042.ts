// The part of the 8042 keyboard controller the pc machine needs (IBM PC/AT Technical Reference;
// Linux drivers/input/serio/i8042.c): data port 0x60, status/command port 0x64. No keyboard or
// mouse is attached. Commands: 0x20/0x60 read/write command byte, 0xA7/0xA8/0xAD/0xAE
// disable/enable AUX/KBD, 0xA9/0xAB interface tests (0 = ok), 0xAA self-test (0x55),
// 0xD0/0xD1 read/write output port (bit 0 = 0 resets, bit 1 = A20), 0xD2/0xD3 loop a byte back
// as keyboard/AUX data, 0xFE (and any 0xF0-0xFF pulse with bit 0 clear) pulses reset.
// Invariants: the status register is never 0xFF (Linux would conclude "no controller") and OBF
// clears when the data port is read; bytes written to a device get no reply (no device).

import type { AccessSize, IoHandler } from '../bus/types.js';
import type { EndVm } from '../machine/end-state.js';

const STATUS_OBF = 0x01, STATUS_SYS = 0x04, STATUS_CMD = 0x08, STATUS_AUXDATA = 0x20;

export class I8042 {
  private commandByte = 0x45; // KBD interrupt on, SYS, translate
  private status = STATUS_SYS;
  private output: { byte: number; aux: boolean }[] = [];
  private pendingCommand = -1;
  private outputPort = 0x03; // reset deasserted, A20 on

  constructor(private readonly end: EndVm, private readonly setIrq: (irq: 1 | 12, level: boolean) => void = () => {}, private readonly setA20: (on: boolean) => void = () => {}) {}

  /** IoHandler for port 0x60. */
  readonly data: IoHandler = {
    read: () => this.readData(),
    write: (_o: number, _s: AccessSize, v: number) => this.writeData(v & 0xff),
  };

  /** IoHandler for port 0x64. */
  readonly control: IoHandler = {
    read: () => this.status | (this.output.length ? STATUS_OBF : 0) | (this.output[0]?.aux ? STATUS_AUXDATA : 0),
    write: (_o: number, _s: AccessSize, v: number) => this.command(v & 0xff),
  };

  private readData(): number {
    const item = this.output.shift();
    this.updateIrq();
    return item ? item.byte : 0x00;
  }

  private enqueue(byte: number, aux = false): void {
    this.output.push({ byte, aux });
    this.updateIrq();
  }

  private updateIrq(): void {
    const head = this.output[0];
    this.setIrq(1, !!head && !head.aux && (this.commandByte & 0x01) !== 0);
    this.setIrq(12, !!head && head.aux && (this.commandByte & 0x02) !== 0);
  }

  private command(c: number): void {
    this.status |= STATUS_CMD;
    switch (c) {
      case 0x20: this.enqueue(this.commandByte); break;
      case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4: this.pendingCommand = c; break;
      case 0xa7: this.commandByte |= 0x20; break;
      case 0xa8: this.commandByte &= ~0x20; break;
      case 0xad: this.commandByte |= 0x10; break;
      case 0xae: this.commandByte &= ~0x10; break;
      case 0xa9: case 0xab: this.enqueue(0x00); break;
      case 0xaa: this.status |= STATUS_SYS; this.enqueue(0x55); break;
      case 0xd0: this.enqueue(this.outputPort); break;
      default:
        if (c >= 0xf0 && !(c & 0x01)) this.end({ kind: 'reset', source: 'i8042' });
    }
  }

  private writeData(v: number): void {
    this.status &= ~STATUS_CMD;
    const cmd = this.pendingCommand;
    this.pendingCommand = -1;
    switch (cmd) {
      case 0x60: this.commandByte = v; this.updateIrq(); break;
      case 0xd1:
        if ((this.outputPort ^ v) & 0x02) this.setA20((v & 0x02) !== 0);
        this.outputPort = v;
        if (!(v & 0x01)) this.end({ kind: 'reset', source: 'i8042' });
        break;
      case 0xd2: this.enqueue(v); break;
      case 0xd3: this.enqueue(v, true); break;
      default: break; // to the keyboard / mouse: nothing is attached
    }
  }
}
