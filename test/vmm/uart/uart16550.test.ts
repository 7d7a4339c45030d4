// 16550A UART: Linux 8250 autoconfig detects a 16550A; THRE/RX interrupts, FIFO, DLAB, loopback, MSR/LSR.
import { describe, expect, it } from 'vitest';
import { Uart16550 } from '../../../src/vmm/uart/uart16550.js';
import { BufferCharBackend } from '../../../src/vmm/chardev/backend.js';

function make() {
  const backend = new BufferCharBackend();
  const irq: boolean[] = [];
  const uart = new Uart16550(backend, (l) => irq.push(l));
  const out = (reg: number, v: number) => uart.write(reg, 1, v);
  const inb = (reg: number) => uart.read(reg, 1);
  return { backend, irq, uart, out, inb };
}

/** The probe steps of Linux's 8250 autoconfig() / autoconfig_16550a() / size_fifo(), in the driver's order. */
function linux8250Autoconfig(out: (r: number, v: number) => void, inb: (r: number) => number): string {
  // existence test through IER (bits 7:4 masked)
  const scratch = inb(1);
  out(1, 0);
  const s2 = inb(1) & 0x0f;
  out(1, 0x0f);
  const s3 = inb(1) & 0x0f;
  out(1, scratch);
  if (s2 !== 0 || s3 !== 0x0f) return 'none (IER test)';
  const saveMcr = inb(4);
  const saveLcr = inb(3);
  // loopback test: MCR = LOOP | OUT2 | RTS -> MSR high nibble DCD|CTS
  out(4, 0x10 | 0x0a);
  const status1 = inb(6) & 0xf0;
  out(4, saveMcr);
  if (status1 !== 0x90) return 'none (loopback test)';
  out(3, 0xbf); out(2, 0); out(3, 0); // EFR := 0 (FCR on a 16550)
  out(2, 0x01);
  const iirTop = inb(2) >> 6;
  if (iirTop !== 3) return ['8250/16450', 'unknown', '16550'][iirTop]!;
  // autoconfig_16550a
  out(3, 0x80);
  if (inb(2) === 0) return 'ST16650 (EFR with DLAB)';
  out(3, 0xbf);
  if (inb(2) === 0) return 'ST16650V2 (EFR)';
  out(3, 0);
  const mcr = inb(4);
  out(3, 0xe0);
  if (!((inb(2) ^ mcr) & 0x10)) {
    out(3, 0); out(4, mcr ^ 0x10); out(3, 0xe0);
    const st2 = inb(2);
    out(3, 0); out(4, mcr);
    if ((st2 ^ mcr) & 0x10) return 'NS16550A';
  }
  out(3, 0); out(2, 0x21);
  const t1 = inb(2) >> 5;
  out(2, 0x01); out(3, 0x80); out(2, 0x21);
  const t2 = inb(2) >> 5;
  out(2, 0x01); out(3, 0);
  if (t1 === 6 && t2 === 7) return 'TI16750';
  const iersave = inb(1);
  out(1, iersave & ~0x40);
  if (!(inb(1) & 0x40)) {
    out(1, iersave | 0x40);
    if (inb(1) & 0x40) return 'XScale';
  }
  out(1, iersave);
  if (sizeFifo(out, inb) === 64) return 'U6_16550A';
  out(3, saveLcr);
  if (inb(5) === 0xff) return 'none (LSR 0xff)';
  return '16550A';
}

function sizeFifo(out: (r: number, v: number) => void, inb: (r: number) => number): number {
  const oldLcr = inb(3);
  out(3, 0);
  const oldFcr = inb(2);
  const oldMcr = inb(4);
  out(2, 0x07); out(4, 0x10); out(3, 0x80);
  const oldDl = inb(0) | (inb(1) << 8);
  out(0, 1); out(1, 0); out(3, 0x03);
  for (let c = 0; c < 256; c++) out(0, c);
  let count = 0;
  for (; inb(5) & 0x01 && count < 256; count++) inb(0);
  out(2, oldFcr); out(4, oldMcr); out(3, 0x80); out(0, oldDl & 0xff); out(1, oldDl >> 8); out(3, oldLcr);
  return count;
}

describe('16550A UART', () => {
  it('is detected as a 16550A by the steps of Linux 8250 autoconfig', () => {
    const { out, inb } = make();
    expect(linux8250Autoconfig(out, inb)).toBe('16550A');
  });
  it('transmits THR bytes to the backend and keeps THRE/TEMT set', () => {
    const { backend, out, inb } = make();
    for (const c of 'hi\n') out(0, c.charCodeAt(0));
    expect(backend.text()).toBe('hi\n');
    expect(inb(5) & 0x60).toBe(0x60);
  });
  it('programs the divisor behind DLAB and keeps the scratch register', () => {
    const { uart, out, inb } = make();
    out(3, 0x83);
    out(0, 0x01);
    out(1, 0x00);
    expect(uart.baudDivisor).toBe(1);
    expect(inb(0)).toBe(1);
    out(3, 0x03);
    expect(inb(3)).toBe(0x03);
    out(7, 0x5a);
    expect(inb(7)).toBe(0x5a);
  });
  it('raises THRE interrupts on IRQ gated by OUT2; reading IIR clears, re-enabling IER re-raises', () => {
    const { irq, out, inb } = make();
    out(1, 0x02);
    expect(irq).toEqual([]); // OUT2 clear: line gated off
    expect(inb(2) & 0x0f).toBe(0x02); // IIR still reports it
    out(1, 0x00);
    out(4, 0x08);
    out(1, 0x02);
    expect(irq).toEqual([true]);
    expect(inb(2) & 0x0f).toBe(0x02);
    expect(irq).toEqual([true, false]);
    expect(inb(2) & 0x0f).toBe(0x01);
    out(1, 0x00);
    out(1, 0x02);
    expect(inb(2) & 0x0f).toBe(0x02); // Linux UART_BUG_THRE test passes
    out(0, 0x41); // transmitting re-arms THRE
    expect(inb(2) & 0x0f).toBe(0x02);
  });
  it('queues backend input through the 16-byte FIFO with data-ready interrupts (no overrun)', () => {
    const { backend, irq, out, inb } = make();
    out(2, 0xc1); // FIFO on, trigger 14
    out(4, 0x08);
    out(1, 0x01);
    backend.type('x'.repeat(20));
    expect(inb(5) & 0x01).toBe(1);
    expect(inb(2) & 0x0f).toBe(0x04); // 16 >= trigger 14
    expect(irq.at(-1)).toBe(true);
    let got = '';
    while (inb(5) & 1) got += String.fromCharCode(inb(0));
    expect(got).toBe('x'.repeat(20));
    expect(inb(5) & 0x02).toBe(0); // no overrun
    expect(irq.at(-1)).toBe(false);
    backend.type('ab');
    expect(inb(2) & 0x0f).toBe(0x0c); // below trigger: character timeout
  });
  it('loops THR back to RBR and MCR to MSR in loopback mode, without touching the backend', () => {
    const { backend, out, inb } = make();
    out(4, 0x10 | 0x01 | 0x04);
    out(0, 0x55);
    expect(inb(5) & 1).toBe(1);
    expect(inb(0)).toBe(0x55);
    expect(inb(6) & 0xf0).toBe(0x60); // DSR (DTR) + RI (OUT1)
    expect(backend.text()).toBe('');
  });
  it('reports modem-status changes and clears deltas on read; LSR errors clear on read', () => {
    const { out, inb } = make();
    out(4, 0x10);
    inb(6);
    out(4, 0x12); // RTS -> CTS in loopback
    expect(inb(6) & 0x11).toBe(0x11);
    expect(inb(6) & 0x0f).toBe(0);
    out(0, 1); out(0, 2); // no FIFO: second byte overruns
    expect(inb(5) & 0x02).toBe(0x02);
    expect(inb(5) & 0x02).toBe(0);
  });
  it('receives a BREAK as a NUL with LSR.BI at the FIFO top, in order with the bytes around it', () => {
    const { backend, uart, irq, out, inb } = make();
    out(2, 0xc1); // FIFO on, trigger 14
    out(4, 0x08);
    out(1, 0x05); // RDI + RLSI, as Linux's 8250 driver enables them
    backend.type('x'.repeat(17)); // one more than the FIFO holds: the break waits behind it
    uart.sendBreak();
    backend.type('h');
    // Linux's serial8250_rx_chars: read LSR, then a character while DR or BI, noting BI per character
    const got: string[] = [];
    let lsr = inb(5);
    expect(lsr & 0x10).toBe(0); // the break is not at the top yet
    do {
      const ch = lsr & 0x01 ? inb(0) : 0;
      got.push(lsr & 0x10 ? `BREAK(${ch})` : String.fromCharCode(ch));
      if (got.length === 17) expect(inb(2) & 0x0f).toBe(0x06); // the receiver line status interrupt, first in priority
      lsr = inb(5);
    } while (lsr & 0x11);
    expect(got).toEqual([...'x'.repeat(17), 'BREAK(0)', 'h']);
    expect(irq.at(-1)).toBe(false);
    // BI is cleared by the LSR read that reported it
    uart.sendBreak();
    expect(inb(5) & 0x11).toBe(0x11);
    expect(inb(5) & 0x11).toBe(0x01);
    expect(inb(0)).toBe(0);
  });
});
