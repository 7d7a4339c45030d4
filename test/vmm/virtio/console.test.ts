// console.test.ts — virtio-console with MULTIPORT: the DEVICE_READY / DEVICE_ADD / PORT_READY /
// CONSOLE_PORT / PORT_NAME / PORT_OPEN handshake, bytes both ways on the console port and on the
// guest-agent channel, and host bytes held until the guest opens the port.
import { describe, expect, it } from 'vitest';
import { FlatGuestMemory } from '../../../src/vmm/virtio/memory.js';
import { VirtioPciRegisters } from '../../../src/vmm/virtio/pci-regs.js';
import * as C from '../../../src/vmm/virtio/devices/console.js';
import { GuestHeap } from './driver.js';
import { kick, probe, RecordingInterrupts } from './pci-driver.js';

function ctrl(id: number, event: number, value: number): Uint8Array {
  const m = new Uint8Array(8);
  const v = new DataView(m.buffer);
  v.setUint32(0, id, true); v.setUint16(4, event, true); v.setUint16(6, value, true);
  return m;
}

function setup() {
  const dev = new C.VirtioConsole([{ console: true }, { name: 'org.qemu.guest_agent.0' }]);
  const mem = new FlatGuestMemory(1 << 20);
  const regs = new VirtioPciRegisters(dev, mem, new RecordingInterrupts());
  const qs = probe(regs, mem, new GuestHeap(0x1000), { queueSize: 16 });
  for (let i = 0; i < 8; i++) qs[2]!.add([{ in: 64 }]); // control receive buffers
  const sendCtrl = (id: number, ev: number, val: number) => { qs[3]!.add([{ out: ctrl(id, ev, val) }]); kick(regs, 3); };
  const events = () => qs[2]!.takeUsed().map((u) => {
    const b = qs[2]!.readIn(u.id, u.len);
    const v = new DataView(b.buffer);
    return { id: v.getUint32(0, true), event: v.getUint16(4, true), value: v.getUint16(6, true),
      extra: new TextDecoder().decode(b.subarray(8)) };
  });
  return { dev, regs, qs, sendCtrl, events };
}

describe('virtio-console MULTIPORT', () => {
  it('announces ports, marks the console and names the channel', () => {
    const s = setup();
    s.sendCtrl(0, C.DEVICE_READY, 1);
    expect(s.events().map((e) => [e.id, e.event])).toEqual([[0, C.DEVICE_ADD], [1, C.DEVICE_ADD]]);
    s.sendCtrl(0, C.PORT_READY, 1);
    s.sendCtrl(1, C.PORT_READY, 1);
    expect(s.events()).toEqual([
      { id: 0, event: C.CONSOLE_PORT, value: 1, extra: '' },
      { id: 0, event: C.PORT_OPEN, value: 1, extra: '' },
      { id: 1, event: C.PORT_NAME, value: 1, extra: 'org.qemu.guest_agent.0' },
      { id: 1, event: C.PORT_OPEN, value: 1, extra: '' },
    ]);
  });

  it('carries bytes both ways once the guest opens a port, holding host bytes until then', () => {
    const s = setup();
    const agent = s.dev.ports[1]!;
    const fromGuest: string[] = [];
    agent.onData = (b) => fromGuest.push(new TextDecoder().decode(b));
    agent.write(new TextEncoder().encode('{"execute":"guest-ping"}\n'));
    s.qs[4]!.add([{ in: 128 }]);
    kick(s.regs, 4);
    expect(s.qs[4]!.takeUsed()).toEqual([]); // not open yet: held
    s.sendCtrl(1, C.PORT_OPEN, 1);
    const [u] = s.qs[4]!.takeUsed();
    expect(new TextDecoder().decode(s.qs[4]!.readIn(u!.id, u!.len))).toBe('{"execute":"guest-ping"}\n');
    s.qs[5]!.add([{ out: new TextEncoder().encode('{"return":{}}\n') }]);
    kick(s.regs, 5);
    expect(fromGuest).toEqual(['{"return":{}}\n']);
    const opens: boolean[] = [];
    agent.onGuestOpenChange = (o) => opens.push(o);
    s.sendCtrl(1, C.PORT_OPEN, 0);
    expect(opens).toEqual([false]);
  });

  it('the console port moves bytes on queues 0 and 1', () => {
    const s = setup();
    s.sendCtrl(0, C.PORT_OPEN, 1);
    const out: number[] = [];
    s.dev.ports[0]!.onData = (b) => out.push(...b);
    s.qs[1]!.add([{ out: Uint8Array.of(104, 105) }]);
    kick(s.regs, 1);
    expect(out).toEqual([104, 105]);
    s.qs[0]!.add([{ in: 4 }]);
    s.dev.ports[0]!.write(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(s.qs[0]!.takeUsed()).toEqual([{ id: expect.any(Number), len: 4 }]);
    s.qs[0]!.add([{ in: 4 }]);
    kick(s.regs, 0);
    expect(s.qs[0]!.takeUsed().map((u) => u.len)).toEqual([2]);
  });
});
