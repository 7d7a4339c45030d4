// VM end paths: isa-debug-exit, 0xCF9, port 0x92, the i8042 reset, ACPI S5; the ACPI PM timer.
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../../src/vmm/bus/index.js';
import { IsaDebugExit } from '../../../src/vmm/platform/debug-exit.js';
import { SystemControlPortA, ResetControl, PostCodePort } from '../../../src/vmm/platform/system-control.js';
import { I8042 } from '../../../src/vmm/platform/i8042.js';
import { AcpiPm, PM_TIMER_HZ } from '../../../src/vmm/platform/acpi-pm.js';
import { exitStatusOf, type VmEndState } from '../../../src/vmm/machine/end-state.js';

function bus() {
  const ports = new PortBus();
  const ends: VmEndState[] = [];
  const end = (s: VmEndState) => ends.push(s);
  return { ports, ends, end };
}

describe('VM end paths', () => {
  it('isa-debug-exit ends with status (v<<1)|1', () => {
    const { ports, ends, end } = bus();
    ports.register('debug-exit', 0xf4, 4, new IsaDebugExit(end));
    ports.write(0xf4, 1, 0x10);
    expect(ends).toEqual([{ kind: 'debug-exit', value: 0x10, status: 0x21 }]);
    expect(exitStatusOf(ends[0]!)).toBe(33);
  });
  it('0xCF9 resets on RST_CPU, port 0x92 on a fast-reset edge, 0x80 is ignored', () => {
    const { ports, ends, end } = bus();
    const a20: boolean[] = [];
    ports.register('cf9', 0xcf9, 1, new ResetControl(end));
    ports.register('port92', 0x92, 1, new SystemControlPortA(end, (on) => a20.push(on)));
    const post = new PostCodePort();
    ports.register('post', 0x80, 1, post);
    ports.write(0xcf9, 1, 0x02);
    expect(ends).toEqual([]);
    expect(ports.read(0xcf9, 1)).toBe(0x02);
    ports.write(0xcf9, 1, 0x06);
    expect(ends).toEqual([{ kind: 'reset', source: 'cf9' }]);
    expect(ports.read(0x92, 1)).toBe(0x02);
    ports.write(0x92, 1, 0x00);
    expect(a20).toEqual([false]);
    ports.write(0x92, 1, 0x03);
    expect(ends[1]).toEqual({ kind: 'reset', source: 'port92' });
    ports.write(0x80, 1, 0x42);
    expect(post.lastCode).toBe(0x42);
  });
  it('the i8042 self-tests, keeps a sane status, loops AUX bytes and resets on 0xFE', () => {
    const { ports, ends, end } = bus();
    const kbc = new I8042(end);
    ports.register('i8042-data', 0x60, 1, kbc.data);
    ports.register('i8042-cmd', 0x64, 1, kbc.control);
    expect(ports.read(0x64, 1)).not.toBe(0xff);
    expect(ports.read(0x64, 1) & 1).toBe(0);
    ports.write(0x64, 1, 0xaa);
    expect(ports.read(0x64, 1) & 1).toBe(1);
    expect(ports.read(0x60, 1)).toBe(0x55);
    expect(ports.read(0x64, 1) & 1).toBe(0);
    ports.write(0x64, 1, 0x20);
    const cb = ports.read(0x60, 1);
    ports.write(0x64, 1, 0x60);
    ports.write(0x60, 1, cb & ~3);
    ports.write(0x64, 1, 0x20);
    expect(ports.read(0x60, 1)).toBe(cb & ~3);
    ports.write(0x64, 1, 0xd3);
    ports.write(0x60, 1, 0x5a);
    expect(ports.read(0x64, 1) & 0x21).toBe(0x21);
    expect(ports.read(0x60, 1)).toBe(0x5a);
    expect(ends).toEqual([]);
    ports.write(0x64, 1, 0xfe);
    expect(ends).toEqual([{ kind: 'reset', source: 'i8042' }]);
  });
  it('ACPI PM1a control: S5 with SLP_EN powers off, SCI_EN reads 1, PM timer counts at 3.579545 MHz', () => {
    const { ports, ends, end } = bus();
    let t = 1000;
    const sci: boolean[] = [];
    const pm = new AcpiPm(end, (l) => sci.push(l), () => t);
    ports.register('acpi-pm', 0x600, 12, pm);
    expect(ports.read(0x604, 2) & 1).toBe(1);
    expect(ports.read(0x608, 4)).toBe(0);
    t += 1000;
    expect(ports.read(0x608, 4)).toBe(PM_TIMER_HZ);
    pm.pressPowerButton();
    expect(sci).toEqual([]);
    ports.write(0x602, 2, 0x100); // PWRBTN_EN
    expect(sci).toEqual([true]);
    ports.write(0x600, 2, 0x100); // clear PWRBTN_STS
    expect(sci).toEqual([true, false]);
    ports.write(0x604, 2, (1 << 10) | (1 << 13)); // S1: not an end
    expect(ends).toEqual([]);
    ports.write(0x604, 2, (0 << 10) | (1 << 13));
    expect(ends).toEqual([{ kind: 'poweroff' }]);
  });
  it('wraps a 24-bit PM timer at 2^24', () => {
    let t = 0;
    const pm = new AcpiPm(() => {}, () => {}, () => t, 24);
    t = (2 ** 24 + 100) * 1000 / PM_TIMER_HZ + 1e-6;
    expect(pm.read(8, 4)).toBe(100);
  });
});
