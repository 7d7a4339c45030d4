// The character backend interface (QEMU's chardev): what a serial device (16550A, later
// virtio-console) sends bytes to and receives bytes from. The console (terminal in Node,
// xterm.js in the page, a ring in a SharedArrayBuffer) implements CharBackend; the device
// implements CharInput. Input is pushed, never polled, and never dropped by the device:
// a device that cannot take more bytes queues them (flow control, not overrun).

export interface CharInput {
  /** Bytes typed into the console, in order. */
  push(data: Uint8Array): void;
  /** A line BREAK between the bytes pushed before and after (serial ports; QEMU's CHR_EVENT_BREAK). */
  sendBreak?(): void;
}

export interface CharBackend {
  /** Bytes the guest transmitted, in order. */
  write(data: Uint8Array): void;
  /** Called once by the device: where the backend delivers input. */
  connect?(input: CharInput): void;
}

/** A backend that collects output in memory and lets a test type input (also a null sink). */
export class BufferCharBackend implements CharBackend {
  private readonly chunks: Uint8Array[] = [];
  private input: CharInput | undefined;

  write(data: Uint8Array): void {
    this.chunks.push(data.slice());
  }

  connect(input: CharInput): void {
    this.input = input;
  }

  /** Type bytes (or a string, UTF-8) into the device. */
  type(data: Uint8Array | string): void {
    this.input?.push(typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of this.chunks) { out.set(c, o); o += c.length; }
    return out;
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
