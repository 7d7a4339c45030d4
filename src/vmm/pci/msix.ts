// MSI-X for PCI devices (PCI Local Bus Spec 3.0 §6.8.2): the capability in configuration
// space (Message Control with table size / Function Mask / MSI-X Enable, Table and PBA
// offset+BIR), the vector table (16 bytes per entry: address lo/hi, data, vector control)
// and the Pending Bit Array, served from a BAR region by the device.
// Invariants: a message is sent only while MSI-X is enabled, the function is not masked and
// the entry is not masked; otherwise the vector's PBA bit is set, and the message is sent
// when the mask clears (§6.8.3.5). Entries come out of reset masked.

import type { AccessSize, IoHandler } from '../bus/types.js';
import { PCI_CAP_ID_MSIX, type PciConfigSpace } from './config-space.js';
import type { PciInterruptSink } from './device.js';

export const MSIX_ENTRY_SIZE = 16;
const CTRL_ENABLE = 1 << 15;
const CTRL_FUNCTION_MASK = 1 << 14;
const ENTRY_MASKED = 1;

export interface MsixOptions {
  /** Number of vectors, 1..2048. */
  vectors: number;
  /** BAR index and offset (8-byte aligned) of the vector table. */
  tableBar: number;
  tableOffset: number;
  /** BAR index and offset (8-byte aligned) of the PBA. */
  pbaBar: number;
  pbaOffset: number;
}

export class MsixCapability {
  readonly capOffset: number;
  readonly vectors: number;
  private readonly table: Uint8Array;
  private readonly tableView: DataView;
  private readonly pending: Uint8Array;
  private sink: PciInterruptSink | undefined;

  constructor(private readonly config: PciConfigSpace, readonly options: MsixOptions) {
    const { vectors, tableBar, tableOffset, pbaBar, pbaOffset } = options;
    if (!(vectors >= 1 && vectors <= 2048)) throw new RangeError(`MSI-X vector count ${vectors} not in 1..2048`);
    if ((tableOffset & 7) !== 0 || (pbaOffset & 7) !== 0) throw new RangeError('MSI-X table/PBA offsets must be 8-byte aligned');
    this.vectors = vectors;
    this.table = new Uint8Array(vectors * MSIX_ENTRY_SIZE);
    this.tableView = new DataView(this.table.buffer);
    this.pending = new Uint8Array(Math.ceil(vectors / 64) * 8);
    this.capOffset = config.addCapability(PCI_CAP_ID_MSIX, 12, {
      onWrite: (off) => { if (off <= 3) this.maybeFlushPending(); },
    });
    config.setU16(this.capOffset + 2, vectors - 1);
    config.setWriteMask(this.capOffset + 2, 2, CTRL_ENABLE | CTRL_FUNCTION_MASK);
    config.setU32(this.capOffset + 4, tableOffset | tableBar);
    config.setU32(this.capOffset + 8, pbaOffset | pbaBar);
    this.reset();
  }

  /** Where messages go (the device passes on the sink it got in attach()). */
  setSink(sink: PciInterruptSink): void { this.sink = sink; }

  reset(): void {
    this.table.fill(0);
    this.pending.fill(0);
    for (let v = 0; v < this.vectors; v++) this.tableView.setUint32(v * MSIX_ENTRY_SIZE + 12, ENTRY_MASKED, true);
    this.config.setU16(this.capOffset + 2, this.vectors - 1);
  }

  get enabled(): boolean { return (this.control & CTRL_ENABLE) !== 0; }
  get functionMasked(): boolean { return (this.control & CTRL_FUNCTION_MASK) !== 0; }
  private get control(): number { return this.config.getU16(this.capOffset + 2); }

  entry(vector: number): { address: number; data: number; masked: boolean } {
    const o = vector * MSIX_ENTRY_SIZE;
    const v = this.tableView;
    return {
      address: v.getUint32(o + 4, true) * 2 ** 32 + v.getUint32(o, true),
      data: v.getUint32(o + 8, true),
      masked: (v.getUint32(o + 12, true) & ENTRY_MASKED) !== 0,
    };
  }

  isPending(vector: number): boolean {
    return (this.pending[vector >> 3]! & (1 << (vector & 7))) !== 0;
  }

  /** Signal `vector`: send its message now, or mark it pending while masked. False if out of range or MSI-X is off. */
  notify(vector: number): boolean {
    if (vector < 0 || vector >= this.vectors || !this.enabled) return false;
    const e = this.entry(vector);
    if (this.functionMasked || e.masked) {
      this.pending[vector >> 3]! |= 1 << (vector & 7);
      return true;
    }
    this.sink?.sendMsi(e.address, e.data);
    return true;
  }

  // ---- the BAR-side registers; offsets relative to the table / PBA start ----
  tableRead(offset: number, size: AccessSize): number {
    if (offset < 0 || offset + size > this.table.length) return 0;
    return size === 4 ? this.tableView.getUint32(offset, true) : size === 2 ? this.tableView.getUint16(offset, true) : this.table[offset]!;
  }

  tableWrite(offset: number, size: AccessSize, value: number): void {
    if (offset < 0 || offset + size > this.table.length) return;
    if (size === 4) this.tableView.setUint32(offset, value >>> 0, true);
    else if (size === 2) this.tableView.setUint16(offset, value, true);
    else this.table[offset] = value;
    if ((offset & 15) >= 12) this.maybeFlushPending();
  }

  pbaRead(offset: number, size: AccessSize): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | (this.pending[offset + i] ?? 0);
    return v >>> 0;
  }

  /** An IoHandler for a BAR that holds the table at tableOffset and the PBA at pbaOffset (others read 0). */
  barHandler(): IoHandler {
    const { tableOffset, pbaOffset } = this.options;
    const pbaLen = this.pending.length;
    return {
      read: (off, size) => {
        if (off >= tableOffset && off < tableOffset + this.table.length) return this.tableRead(off - tableOffset, size);
        if (off >= pbaOffset && off < pbaOffset + pbaLen) return this.pbaRead(off - pbaOffset, size);
        return 0;
      },
      write: (off, size, value) => {
        if (off >= tableOffset && off < tableOffset + this.table.length) this.tableWrite(off - tableOffset, size, value);
      },
    };
  }

  /** Bytes of BAR space the table and PBA need when they share one BAR laid out by the device. */
  get tableBytes(): number { return this.table.length; }
  get pbaBytes(): number { return this.pending.length; }

  private maybeFlushPending(): void {
    if (!this.enabled || this.functionMasked) return;
    for (let v = 0; v < this.vectors; v++) {
      if (!this.isPending(v)) continue;
      const e = this.entry(v);
      if (e.masked) continue;
      this.pending[v >> 3]! &= ~(1 << (v & 7));
      this.sink?.sendMsi(e.address, e.data);
    }
  }
}
