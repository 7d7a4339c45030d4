// console.ts — virtio-console with VIRTIO_CONSOLE_F_MULTIPORT (virtio 1.2, 5.3): port 0 is the
// console (hvc0), further ports are named channels (libvirt <channel type='unix'><target
// type='virtio' name='org.qemu.guest_agent.0'/>), opened and closed by either side through the
// control queues. Host-side each port is a byte stream with open/close events.
// Queue layout (5.3.2): 0/1 port 0 rx/tx, 2/3 control rx/tx, then 2+2n / 3+2n for port n >= 1.
// Invariant: bytes for a port the guest has not opened, or with no receive buffers yet, wait in a
// bounded per-port buffer; overflow is dropped and counted, never blocks the host side.
import { ChainReader, ChainWriter } from '../chain.js';
import { ConfigBytes, type VirtioContext, type VirtioDevice } from '../device.js';
import { featureBit, VIRTIO_ID_CONSOLE } from '../spec.js';

export const VIRTIO_CONSOLE_F_MULTIPORT = 1;
export const DEVICE_READY = 0, DEVICE_ADD = 1, DEVICE_REMOVE = 2, PORT_READY = 3, CONSOLE_PORT = 4,
  RESIZE = 5, PORT_OPEN = 6, PORT_NAME = 7;
const CTRL_RX = 2, CTRL_TX = 3;
const PENDING_LIMIT = 64 * 1024;

export interface ConsolePortSpec {
  /** a channel name like org.qemu.guest_agent.0; absent for the console port */
  name?: string;
  console?: boolean;
}

/** The host side of one port. */
export class ConsolePort {
  guestOpen = false;
  hostOpen = true;
  dropped = 0;
  onData: (bytes: Uint8Array) => void = () => {};
  onGuestOpenChange: (open: boolean) => void = () => {};
  /** @internal bytes waiting for the guest */
  pending: Uint8Array[] = [];
  pendingBytes = 0;

  constructor(private readonly dev: VirtioConsole, readonly id: number, readonly spec: ConsolePortSpec) {}

  /** Host -> guest bytes. */
  write(bytes: Uint8Array): void {
    if (this.pendingBytes + bytes.length > PENDING_LIMIT) {
      this.dropped += bytes.length;
      return;
    }
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.length;
    this.dev.flushPort(this);
  }

  /** The host side connects or disconnects (a guest-agent client, a console viewer). */
  setHostOpen(open: boolean): void {
    this.hostOpen = open;
    this.dev.sendControl(this.id, PORT_OPEN, open ? 1 : 0);
  }
}

export class VirtioConsole implements VirtioDevice {
  readonly deviceType = VIRTIO_ID_CONSOLE;
  readonly name = 'virtio-console';
  readonly features = featureBit(VIRTIO_CONSOLE_F_MULTIPORT);
  readonly queueSizes: number[];
  readonly configSize = 12;
  readonly ports: ConsolePort[];
  private readonly config = new ConfigBytes(12);
  private ctx: VirtioContext | null = null;
  private multiport = false;
  private readonly controlOut: Uint8Array[] = [];

  constructor(specs: ConsolePortSpec[] = [{ console: true }]) {
    if (specs.length === 0) throw new RangeError('virtio-console needs at least one port');
    this.ports = specs.map((s, i) => new ConsolePort(this, i, s));
    this.queueSizes = Array.from({ length: 2 * (specs.length + 1) }, () => 64);
    this.config.view.setUint16(0, 80, true);
    this.config.view.setUint16(2, 25, true);
    this.config.view.setUint32(4, specs.length, true);
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  writeConfig(): void {}

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
    this.multiport = (ctx.negotiated & featureBit(VIRTIO_CONSOLE_F_MULTIPORT)) !== 0n;
    if (!this.multiport) this.ports[0]!.guestOpen = true; // a single-port console is always open
  }

  reset(): void {
    this.ctx = null;
    this.controlOut.length = 0;
    for (const p of this.ports) p.guestOpen = false;
  }

  notify(queue: number): void {
    if (queue === CTRL_TX && this.multiport) return this.readControl();
    if (queue === CTRL_RX) return this.flushControl();
    const port = this.portOfQueue(queue);
    if (!port) return;
    if (queue % 2 === 1) this.readPort(port, queue);
    else this.flushPort(port);
  }

  /** @internal */
  sendControl(id: number, event: number, value: number, extra?: Uint8Array): void {
    if (!this.multiport) return;
    const msg = new Uint8Array(8 + (extra?.length ?? 0));
    const v = new DataView(msg.buffer);
    v.setUint32(0, id, true);
    v.setUint16(4, event, true);
    v.setUint16(6, value, true);
    if (extra) msg.set(extra, 8);
    this.controlOut.push(msg);
    this.flushControl();
  }

  /** @internal moves pending host bytes into the guest's receive buffers */
  flushPort(port: ConsolePort): void {
    const ctx = this.ctx;
    if (!ctx || !port.guestOpen) return;
    const qi = this.rxQueue(port.id);
    const q = ctx.queues[qi]!;
    let pushed = false;
    while (port.pending.length) {
      const chain = q.pop(ctx.mem);
      if (!chain) break;
      const w = new ChainWriter(ctx.mem, chain);
      while (port.pending.length && w.remaining > 0) {
        const head = port.pending[0]!;
        const n = Math.min(head.length, w.remaining);
        w.write(head.subarray(0, n));
        port.pendingBytes -= n;
        if (n === head.length) port.pending.shift();
        else port.pending[0] = head.subarray(n);
      }
      q.push(ctx.mem, chain.head, w.written);
      pushed = true;
    }
    if (pushed) ctx.interruptQueue(qi);
  }

  private rxQueue(id: number): number {
    return id === 0 ? 0 : 2 + 2 * id;
  }

  private portOfQueue(queue: number): ConsolePort | undefined {
    if (queue < 2) return this.ports[0];
    return this.ports[(queue - 2) >> 1];
  }

  private readPort(port: ConsolePort, queue: number): void {
    const ctx = this.ctx!;
    const q = ctx.queues[queue]!;
    for (let chain = q.pop(ctx.mem); chain; chain = q.pop(ctx.mem)) {
      const data = new ChainReader(ctx.mem, chain).read(chain.readableLength);
      q.push(ctx.mem, chain.head, 0);
      if (data.length) port.onData(data);
    }
    ctx.interruptQueue(queue);
  }

  private readControl(): void {
    const ctx = this.ctx!;
    const q = ctx.queues[CTRL_TX]!;
    for (let chain = q.pop(ctx.mem); chain; chain = q.pop(ctx.mem)) {
      if (chain.readableLength < 8) {
        ctx.fail('virtio-console control message shorter than 8 bytes');
        return;
      }
      const r = new ChainReader(ctx.mem, chain);
      const id = r.readU32();
      const ev = r.read(4);
      q.push(ctx.mem, chain.head, 0);
      this.control(id, ev[0]! | (ev[1]! << 8), ev[2]! | (ev[3]! << 8));
    }
    ctx.interruptQueue(CTRL_TX);
  }

  /** 5.3.6.2: the driver's side of the port handshake. */
  private control(id: number, event: number, value: number): void {
    if (event === DEVICE_READY && value === 1) {
      for (const p of this.ports) this.sendControl(p.id, DEVICE_ADD, 0);
      return;
    }
    const port = this.ports[id];
    if (!port) return;
    if (event === PORT_READY && value === 1) {
      if (port.spec.console) this.sendControl(id, CONSOLE_PORT, 1);
      if (port.spec.name) this.sendControl(id, PORT_NAME, 1, new TextEncoder().encode(port.spec.name));
      if (port.hostOpen) this.sendControl(id, PORT_OPEN, 1);
    } else if (event === PORT_OPEN) {
      port.guestOpen = value === 1;
      port.onGuestOpenChange(port.guestOpen);
      if (port.guestOpen) this.flushPort(port);
    }
  }

  private flushControl(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const q = ctx.queues[CTRL_RX]!;
    let pushed = false;
    while (this.controlOut.length) {
      const chain = q.pop(ctx.mem);
      if (!chain) break;
      const msg = this.controlOut.shift()!;
      const w = new ChainWriter(ctx.mem, chain);
      w.write(msg.subarray(0, Math.min(msg.length, chain.writableLength)));
      q.push(ctx.mem, chain.head, w.written);
      pushed = true;
    }
    if (pushed) ctx.interruptQueue(CTRL_RX);
  }
}
