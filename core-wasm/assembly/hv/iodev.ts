// hv/iodev.ts — the in-kernel I/O devices' bus: port I/O to the PIC pair (0x20/0x21, 0xA0/0xA1),
// ELCR (0x4D0/0x4D1), PIT (0x40-0x43) and port B (0x61), and MMIO to the local APIC page
// (IA32_APIC_BASE, when the APIC is hardware-enabled) and the IOAPIC (0xFEC00000).
// run() services these exits itself, without returning to the VMM (KVM's kvm_io_bus).
// Multi-byte port accesses are split into byte accesses at consecutive ports.

import { VCPU_OFF_APIC_BASE, vcpuVm } from './vcpu';
import { vcpuNowNs } from './clock';
import {
  picMaster, picSlave, ioapicOf, pitOf, irqLock, irqUnlock, picOutputChanged, irqDeliver,
  irqEoiBroadcast, ioapicPinChanged,
} from './irq';
import { picRead, picWrite, picReadElcr, picWriteElcr } from '../irqchip/pic';
import { pitRead, pitWrite, pitReadPort61, pitWritePort61 } from '../irqchip/pit';
import { IOAPIC_BASE, IOAPIC_OFF_REGSEL, ioapicReadReg, ioapicWriteReg } from '../irqchip/ioapic';
import {
  APIC_ICR_LO, APIC_ICR_HI, LAPIC_WRITE_EOI_LEVEL, LAPIC_WRITE_IPI, DM_FIXED, DM_INIT,
  lapicRead, lapicWrite, lapicReg, lapicHwEnabled, lapicSendIllegal,
} from '../irqchip/lapic';

export function pioInKernel(port: u32): bool {
  return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 || port == 0x4d0 ||
    port == 0x4d1 || (port >= 0x40 && port <= 0x43) || port == 0x61;
}

function pioReadByte(vcpu: usize, port: u32): u32 {
  const vm = vcpuVm(vcpu);
  let v: u32 = 0xff;
  irqLock(vm);
  if (port == 0x20 || port == 0x21) {
    v = picRead(picMaster(vm), port & 1);
    picOutputChanged(vm); // a poll read acknowledges
  } else if (port == 0xa0 || port == 0xa1) {
    v = picRead(picSlave(vm), port & 1);
    picOutputChanged(vm);
  } else if (port == 0x4d0) v = picReadElcr(picMaster(vm));
  else if (port == 0x4d1) v = picReadElcr(picSlave(vm));
  else if (port >= 0x40 && port <= 0x43) v = pitRead(pitOf(vm), port, vcpuNowNs(vcpu));
  else if (port == 0x61) v = pitReadPort61(pitOf(vm), vcpuNowNs(vcpu));
  irqUnlock(vm);
  return v;
}

function pioWriteByte(vcpu: usize, port: u32, val: u32): void {
  const vm = vcpuVm(vcpu);
  irqLock(vm);
  if (port == 0x20 || port == 0x21) {
    picWrite(picMaster(vm), port & 1, val & 0xff);
    picOutputChanged(vm);
  } else if (port == 0xa0 || port == 0xa1) {
    picWrite(picSlave(vm), port & 1, val & 0xff);
    picOutputChanged(vm);
  } else if (port == 0x4d0) picWriteElcr(picMaster(vm), val & 0xff);
  else if (port == 0x4d1) picWriteElcr(picSlave(vm), val & 0xff);
  else if (port >= 0x40 && port <= 0x43) pitWrite(pitOf(vm), port, val, vcpuNowNs(vcpu));
  else if (port == 0x61) pitWritePort61(pitOf(vm), val & 0xff, vcpuNowNs(vcpu));
  irqUnlock(vm);
}

export function pioRead(vcpu: usize, port: u32, size: u32): u32 {
  let v: u32 = 0;
  for (let i: u32 = 0; i < size && i < 4; i++) v |= pioReadByte(vcpu, port + i) << (i << 3);
  return v;
}

export function pioWrite(vcpu: usize, port: u32, size: u32, val: u32): void {
  for (let i: u32 = 0; i < size && i < 4; i++) pioWriteByte(vcpu, port + i, (val >> (i << 3)) & 0xff);
}

// ---- MMIO ----

@inline function apicPage(vcpu: usize): u64 {
  return load<u64>(vcpu, VCPU_OFF_APIC_BASE) & 0xf_ffff_f000;
}

export function mmioInKernel(vcpu: usize, gpa: u64): bool {
  if ((gpa & ~(<u64>0xfff)) == IOAPIC_BASE) return true;
  return lapicHwEnabled(vcpu) && (gpa & ~(<u64>0xfff)) == apicPage(vcpu);
}

export function mmioRead(vcpu: usize, gpa: u64, size: u32): u64 {
  const off = <u32>(gpa & 0xfff);
  const shift = (off & 3) << 3;
  let v: u32;
  if ((gpa & ~(<u64>0xfff)) == IOAPIC_BASE) {
    const vm = vcpuVm(vcpu);
    irqLock(vm);
    const io = ioapicOf(vm);
    const reg = off & ~3;
    v = reg == 0 ? load<u32>(io, IOAPIC_OFF_REGSEL) : reg == 0x10 ? ioapicReadReg(io) : 0;
    irqUnlock(vm);
  } else {
    v = lapicRead(vcpu, off & ~0xf);
  }
  const x = <u64>(v >> shift);
  return size >= 4 ? x : x & ((<u64>1 << (<u64>size << 3)) - 1);
}

export function mmioWrite(vcpu: usize, gpa: u64, size: u32, val: u64): void {
  const off = <u32>(gpa & 0xfff);
  const vm = vcpuVm(vcpu);
  if ((gpa & ~(<u64>0xfff)) == IOAPIC_BASE) {
    irqLock(vm);
    const io = ioapicOf(vm);
    const reg = off & ~3;
    if (reg == 0) store<u32>(io, <u32>val & 0xff, IOAPIC_OFF_REGSEL);
    else if (reg == 0x10) {
      const pin = ioapicWriteReg(io, <u32>val);
      if (pin >= 0) ioapicPinChanged(vm, <u32>pin);
    }
    irqUnlock(vm);
    if (reg == 0x40) irqEoiBroadcast(vm, <u32>val & 0xff); // the version 0x20 EOI register
    return;
  }
  if (size < 4) return; // the APIC takes 32-bit accesses only
  const action = lapicWrite(vcpu, off & ~0xf, <u32>val);
  if ((action & LAPIC_WRITE_EOI_LEVEL) != 0) irqEoiBroadcast(vm, <u32>action & 0xff);
  else if (action == LAPIC_WRITE_IPI) sendIpi(vcpu);
}

/** ICR write: the IPI goes out on the APIC bus (SDM 11.6.1). */
function sendIpi(vcpu: usize): void {
  const lo = lapicReg(vcpu, APIC_ICR_LO);
  const hi = lapicReg(vcpu, APIC_ICR_HI);
  const dm = (lo >> 8) & 7;
  const vector = lo & 0xff;
  if (dm == DM_INIT && (lo & (1 << 14)) == 0) return; // INIT level de-assert: no action
  if (dm == DM_FIXED && vector < 16) { lapicSendIllegal(vcpu); return; }
  irqDeliver(vcpuVm(vcpu), hi >> 24, (lo & (1 << 11)) != 0, dm, vector, (lo & (1 << 15)) != 0, (lo >> 18) & 3, vcpu);
}
