// pci.ts — a modern virtio-pci function (virtio 1.2, 4.1): PCI identity 1af4:1040+type, the
// vendor-specific capabilities that point into BAR4 (common, notify, ISR, device config) plus the
// VIRTIO_PCI_CAP_PCI_CFG access window, and MSI-X in BAR1 with INTx as the fallback. The register
// semantics live in pci-regs.ts; this file only places them on PCI.
import type { AccessSize, IoHandler } from '../bus/types.js';
import type { PciDevice, PciInterruptSink } from '../pci/device.js';
import { PciConfigSpace, PCI_CAP_ID_VNDR } from '../pci/config-space.js';
import { MsixCapability } from '../pci/msix.js';
import type { VirtioDevice } from './device.js';
import type { GuestMemoryAccess } from './memory.js';
import {
  BAR_COMMON, BAR_DEVICE, BAR_ISR, BAR_NOTIFY, BAR_SIZE, NOTIFY_OFF_MULTIPLIER, VirtioPciRegisters,
  type VirtioInterrupts,
} from './pci-regs.js';
import * as S from './spec.js';

export const VIRTIO_BAR = 4;
export const MSIX_BAR = 1;
const QEMU_SUBSYSTEM_ID = 0x1100;

/** PCI class codes QEMU gives each virtio device type (base << 16 | sub << 8 | prog-if). */
const CLASS_CODES: Record<number, number> = {
  [S.VIRTIO_ID_NET]: 0x020000,
  [S.VIRTIO_ID_BLOCK]: 0x010000,
  [S.VIRTIO_ID_CONSOLE]: 0x078000,
  [S.VIRTIO_ID_RNG]: 0x00ff00,
  [S.VIRTIO_ID_BALLOON]: 0x00ff00,
};

export class VirtioPciFunction implements PciDevice {
  readonly name: string;
  readonly config: PciConfigSpace;
  readonly regs: VirtioPciRegisters;
  readonly msix: MsixCapability;
  private sink: PciInterruptSink | undefined;

  constructor(readonly device: VirtioDevice, mem: GuestMemoryAccess, log?: (msg: string) => void) {
    this.name = device.name;
    this.config = new PciConfigSpace({
      vendorId: S.VIRTIO_PCI_VENDOR_ID,
      deviceId: S.VIRTIO_PCI_MODERN_DEVICE_ID_BASE + device.deviceType,
      classCode: CLASS_CODES[device.deviceType] ?? 0x00ff00,
      revision: 1,
      subsystemVendorId: S.VIRTIO_PCI_VENDOR_ID,
      subsystemId: QEMU_SUBSYSTEM_ID,
      interruptPin: 1,
    });
    this.regs = new VirtioPciRegisters(device, mem, this.interrupts(), log);
    const vectors = device.queueSizes.length + 1;
    this.msix = new MsixCapability(this.config, {
      vectors, tableBar: MSIX_BAR, tableOffset: 0, pbaBar: MSIX_BAR, pbaOffset: 0x800,
    });
    this.config.addBar({ index: MSIX_BAR, kind: 'mem32', size: 0x1000, handler: this.msix.barHandler() });
    this.config.addBar({ index: VIRTIO_BAR, kind: 'mem64', size: BAR_SIZE, prefetchable: true, handler: this.regs });
    this.addVirtioCaps(device.configSize);
  }

  attach(sink: PciInterruptSink): void {
    this.sink = sink;
    this.msix.setSink(sink);
  }

  reset(): void {
    this.regs.reset();
    this.msix.reset();
  }

  private interrupts(): VirtioInterrupts {
    return {
      msixEnabled: () => this.msix.enabled,
      msix: (vector) => void this.msix.notify(vector),
      intx: (asserted) => {
        this.config.setInterruptStatus(asserted);
        this.sink?.setIntx(asserted && !this.config.intxDisabled);
      },
    };
  }

  /** 4.1.4: one capability per structure, and the PCI configuration access window. */
  private addVirtioCaps(deviceCfgSize: number): void {
    this.addCap(S.VIRTIO_PCI_CAP_COMMON_CFG, BAR_COMMON, S.COMMON_CFG_SIZE);
    this.addCap(S.VIRTIO_PCI_CAP_ISR_CFG, BAR_ISR, 1);
    if (deviceCfgSize > 0) this.addCap(S.VIRTIO_PCI_CAP_DEVICE_CFG, BAR_DEVICE, deviceCfgSize);
    const notify = this.addCap(S.VIRTIO_PCI_CAP_NOTIFY_CFG, BAR_NOTIFY, NOTIFY_OFF_MULTIPLIER * this.device.queueSizes.length, 20);
    this.config.setU32(notify + 16, NOTIFY_OFF_MULTIPLIER);
    this.addPciCfgCap();
  }

  private addCap(type: number, offset: number, length: number, capLen = 16, hooks = {}): number {
    const at = this.config.addCapability(PCI_CAP_ID_VNDR, capLen, hooks);
    this.config.setU8(at + 2, capLen);
    this.config.setU8(at + 3, type);
    this.config.setU8(at + 4, VIRTIO_BAR);
    this.config.setU32(at + 8, offset);
    this.config.setU32(at + 12, length);
    return at;
  }

  /** 4.1.4.9: bar/offset/length chosen by the driver, then pci_cfg_data reads/writes that BAR. */
  private addPciCfgCap(): void {
    let at = 0;
    const window = (): { handler: IoHandler; offset: number } | undefined => {
      const bar = this.config.getU8(at + 4);
      const def = this.config.bars[bar];
      return def ? { handler: def.handler, offset: this.config.getU32(at + 8) } : undefined;
    };
    at = this.addCap(S.VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 20, {
      onRead: (off: number, size: AccessSize) => {
        if (off < 16) return undefined;
        const w = window();
        return w ? w.handler.read(w.offset, size) : 0;
      },
      onWrite: (off: number, size: AccessSize, value: number) => {
        if (off >= 16) window()?.handler.write(window()!.offset, size, value);
      },
    });
    this.config.setWriteMask(at + 4, 1, 0xff);
    this.config.setWriteMask(at + 8, 4, 0xffffffff);
    this.config.setWriteMask(at + 12, 4, 0xffffffff);
    this.config.setWriteMask(at + 16, 4, 0xffffffff);
  }
}
