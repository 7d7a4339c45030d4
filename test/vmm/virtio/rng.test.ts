// rng.test.ts — virtio-rng through the modern virtio-pci register file: the driver's probe
// sequence, entropy delivered into its buffers, interrupts (INTx+ISR and MSI-X), the rate limit,
// and DEVICE_NEEDS_RESET on a malformed ring.
import { describe, expect, it } from 'vitest';
import { FlatGuestMemory } from '../../../src/vmm/virtio/memory.js';
import { VirtioPciRegisters, BAR_ISR } from '../../../src/vmm/virtio/pci-regs.js';
import { VirtioRng } from '../../../src/vmm/virtio/devices/rng.js';
import * as S from '../../../src/vmm/virtio/spec.js';
import { GuestHeap } from './driver.js';
import { kick, probe, readFeatures, RecordingInterrupts } from './pci-driver.js';

function machine(rng = new VirtioRng()) {
  const mem = new FlatGuestMemory(1 << 20);
  const irq = new RecordingInterrupts();
  const regs = new VirtioPciRegisters(rng, mem, irq);
  return { mem, irq, regs, rng, heap: new GuestHeap(0x1000) };
}

describe('virtio-rng over virtio-pci', () => {
  it('offers VERSION_1, INDIRECT_DESC and EVENT_IDX and negotiates them', () => {
    const m = machine();
    const offered = readFeatures(m.regs);
    expect(offered & S.featureBit(S.VIRTIO_F_VERSION_1)).not.toBe(0n);
    expect(offered & S.featureBit(S.VIRTIO_F_INDIRECT_DESC)).not.toBe(0n);
    probe(m.regs, m.mem, m.heap);
    expect(m.regs.read(S.COMMON_DEVICE_STATUS, 1)).toBe(S.STATUS_ACKNOWLEDGE | S.STATUS_DRIVER | S.STATUS_FEATURES_OK | S.STATUS_DRIVER_OK);
  });

  it('refuses FEATURES_OK for a driver without VERSION_1 (legacy) or with unoffered bits', () => {
    const m = machine();
    expect(() => probe(m.regs, m.mem, m.heap, { want: S.featureBit(S.VIRTIO_F_INDIRECT_DESC) })).toThrow(/refused/);
    const n = machine();
    n.regs.write(S.COMMON_DEVICE_STATUS, 1, S.STATUS_ACKNOWLEDGE | S.STATUS_DRIVER);
    n.regs.write(S.COMMON_DRIVER_FEATURE_SELECT, 4, 1);
    n.regs.write(S.COMMON_DRIVER_FEATURE, 4, 1 | (1 << 20));
    n.regs.write(S.COMMON_DEVICE_STATUS, 1, S.STATUS_ACKNOWLEDGE | S.STATUS_DRIVER | S.STATUS_FEATURES_OK);
    expect(n.regs.read(S.COMMON_DEVICE_STATUS, 1) & S.STATUS_FEATURES_OK).toBe(0);
  });

  it('fills the guest buffer with host entropy and raises INTx with ISR bit 0', () => {
    const m = machine();
    const [q] = probe(m.regs, m.mem, m.heap);
    const head = q!.add([{ in: 64 }]);
    kick(m.regs, 0);
    const used = q!.takeUsed();
    expect(used).toEqual([{ id: head, len: 64 }]);
    const data = q!.readIn(head, 64);
    expect(new Set(data).size).toBeGreaterThan(16); // 64 random bytes are not all alike
    expect(m.irq.intxLevel).toBe(true);
    expect(m.regs.read(BAR_ISR, 1)).toBe(S.ISR_QUEUE);
    expect(m.irq.intxLevel).toBe(false);
    expect(m.regs.read(BAR_ISR, 1)).toBe(0);
  });

  it('uses the queue MSI-X vector when MSI-X is enabled', () => {
    const m = machine();
    m.irq.msixOn = true;
    const [q] = probe(m.regs, m.mem, m.heap, { msix: true });
    q!.add([{ in: 8 }]);
    kick(m.regs, 0);
    expect(m.irq.vectors).toEqual([1]);
    expect(m.irq.intxRaises).toBe(0);
  });

  it('holds requests past the rate budget until the next period', () => {
    let now = 0;
    const timers: (() => void)[] = [];
    const rng = new VirtioRng({ rate: { bytes: 100, period: 1000 }, now: () => now, setTimer: (fn) => timers.push(fn) });
    const m = machine(rng);
    const [q] = probe(m.regs, m.mem, m.heap);
    q!.add([{ in: 80 }]);
    q!.add([{ in: 80 }]);
    q!.add([{ in: 80 }]);
    kick(m.regs, 0);
    expect(q!.takeUsed().map((u) => u.len)).toEqual([80, 20]);
    expect(timers.length).toBe(1);
    now = 1000;
    timers.shift()!();
    expect(q!.takeUsed().map((u) => u.len)).toEqual([80]);
    expect(rng.bytesDelivered).toBe(180);
  });

  it('a malformed ring sets DEVICE_NEEDS_RESET with a reason; a reset recovers', () => {
    const m = machine();
    const [q] = probe(m.regs, m.mem, m.heap);
    q!.writeDesc(q!.descAddr, 0, 0x100, 4, 2, true, 0); // writable descriptor pointing at itself
    q!.publish(0);
    kick(m.regs, 0);
    expect(m.regs.read(S.COMMON_DEVICE_STATUS, 1) & S.STATUS_DEVICE_NEEDS_RESET).toBeTruthy();
    expect(m.regs.failure).toMatch(/loops/);
    probe(m.regs, m.mem, m.heap);
    expect(m.regs.read(S.COMMON_DEVICE_STATUS, 1) & S.STATUS_DEVICE_NEEDS_RESET).toBe(0);
  });
});
