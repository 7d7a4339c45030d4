// console-stream.ts — the host side of one VM console: guest output read from a ByteRing and fanned
// out to listeners (xterm.js, the Node terminal, a log), input written to the other ring with the
// VM's vCPU kicked so an idle guest wakes for the keystroke; a line BREAK goes by the control path.
// Invariant: the pump ends when the VM closes its side and the ring is drained (never spins).
import type { ConsoleStream } from '../virt/hypervisor.js';
import { ByteRing } from './byte-ring.js';
import type { ConsoleSpec } from './vm-protocol.js';
import { CONSOLE_RING_BYTES } from './vm-protocol.js';

/** Scrollback kept for listeners that attach late (a console opened after boot sees the boot log). */
const BACKLOG_BYTES = 256 * 1024;

export class HostConsole {
  readonly spec: ConsoleSpec;
  private readonly out: ByteRing;
  private readonly in: ByteRing;
  private readonly listeners = new Set<(b: Uint8Array) => void>();
  private backlog: Uint8Array[] = [];
  private backlogBytes = 0;
  private stopped = false;

  constructor(device: string, private readonly ringDoorbell: () => void,
    private readonly lineBreak: () => Promise<void> = () => Promise.reject(new Error(`console '${device}' cannot send a BREAK`))) {
    this.out = new ByteRing(CONSOLE_RING_BYTES);
    this.in = new ByteRing(CONSOLE_RING_BYTES);
    this.spec = { device, out: this.out.buffer, in: this.in.buffer };
    void this.pump();
  }

  /** A stream for one user of the console; the backlog is replayed first. */
  open(): ConsoleStream {
    let listener: ((b: Uint8Array) => void) | undefined;
    return {
      onData: (fn) => {
        for (const chunk of this.backlog) fn(chunk);
        listener = fn;
        this.listeners.add(fn);
        return () => this.listeners.delete(fn);
      },
      write: (bytes) => {
        this.in.write(bytes);
        this.ringDoorbell();
      },
      sendBreak: () => this.lineBreak(),
      close: () => {
        if (listener) this.listeners.delete(listener);
      },
    };
  }

  /** Everything the guest printed that is still in the backlog, as text (tests, logs). */
  text(): string {
    return new TextDecoder().decode(concat(this.backlog));
  }

  stop(): void {
    this.stopped = true;
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      await this.out.waitAsync(200);
      const bytes = this.out.read();
      if (bytes.length === 0) {
        if (this.out.closed) break; // the VM is gone: waitAsync would return at once forever
        continue;
      }
      this.keep(bytes);
      for (const fn of [...this.listeners]) fn(bytes);
    }
    const rest = this.out.read();
    if (rest.length) for (const fn of [...this.listeners]) fn(rest);
  }

  private keep(bytes: Uint8Array): void {
    this.backlog.push(bytes);
    this.backlogBytes += bytes.length;
    while (this.backlogBytes > BACKLOG_BYTES && this.backlog.length > 1) this.backlogBytes -= this.backlog.shift()!.length;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}
