// byte-ring.test.ts — the shared byte ring: wrap-around, overflow counted as dropped, close, and a
// producer in a worker_thread streaming 4 MiB to a consumer that checks every byte in order.
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { ByteRing } from '../../src/worker/byte-ring.js';

describe('ByteRing', () => {
  it('wraps around and keeps order', () => {
    const ring = new ByteRing(7);
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      const chunk = Uint8Array.from({ length: (round % 5) + 1 }, () => next++ & 255);
      expect(ring.write(chunk)).toBe(chunk.length);
      seen.push(...ring.read());
    }
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i & 255));
  });

  it('drops and counts what does not fit', () => {
    const ring = new ByteRing(4);
    expect(ring.write(Uint8Array.of(1, 2, 3, 4, 5, 6))).toBe(4);
    expect(ring.dropped).toBe(2);
    expect([...ring.read(3)]).toEqual([1, 2, 3]);
    expect(ring.available).toBe(1);
  });

  it('streams between threads with Atomics.wait/waitAsync', async () => {
    const ring = new ByteRing(4096);
    const total = 4 * 1024 * 1024;
    const producer = new Worker(`
      const { workerData } = require('node:worker_threads');
      const ctl = new Int32Array(workerData, 0, 8);
      const data = new Uint8Array(workerData, 32); // the ring's header: 8 Int32 (byte-ring.ts)
      const cap = data.length;
      let sent = 0;
      while (sent < ${total}) {
        const tail = Atomics.load(ctl, 1) >>> 0;
        const free = cap - ((tail - (Atomics.load(ctl, 0) >>> 0)) >>> 0);
        if (free === 0) { Atomics.wait(ctl, 0, Atomics.load(ctl, 0), 5); continue; }
        const n = Math.min(free, ${total} - sent, 1000);
        for (let i = 0; i < n; i++) data[(tail + i) % cap] = (sent + i) % 251;
        Atomics.store(ctl, 1, (tail + n) | 0);
        Atomics.notify(ctl, 1);
        sent += n;
      }
      Atomics.store(ctl, 2, 1);
      Atomics.notify(ctl, 1);
    `, { eval: true, workerData: ring.buffer });
    let got = 0;
    let ok = true;
    while (got < total) {
      await ring.waitAsync(1000);
      const bytes = ring.read();
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== (got + i) % 251) ok = false;
      got += bytes.length;
      if (ring.closed && ring.available === 0) break;
    }
    await producer.terminate();
    expect(ok).toBe(true);
    expect(got).toBe(total);
  });
});

describe('FrameRing', () => {
  it('keeps frame boundaries and drops what does not fit whole', async () => {
    const { FrameRing } = await import('../../src/worker/frame-ring.js');
    const r = new FrameRing(128);
    expect(r.push(new Uint8Array(60).fill(1))).toBe(true);
    expect(r.push(new Uint8Array(60).fill(2))).toBe(false);
    expect(r.push(new Uint8Array(30).fill(3))).toBe(true);
    const frames = r.drain().map((x) => x.frame);
    expect(frames.map((f) => [f.length, f[0]])).toEqual([[60, 1], [30, 3]]);
    expect(r.drops).toBe(1);
    const peer = new FrameRing(r.buffer);
    const tso = { flags: 1, gsoType: 1, hdrLen: 54, gsoSize: 1448, csumStart: 34, csumOffset: 16 };
    peer.push(Uint8Array.of(9, 9), tso);
    peer.push(Uint8Array.of(7));
    expect(r.drain()).toEqual([{ frame: Uint8Array.of(9, 9), offload: tso }, { frame: Uint8Array.of(7), offload: undefined }]);
  });
});

describe('HostConsole', () => {
  it('replays the backlog to a late listener and stops pumping once the VM closes its side', async () => {
    const { HostConsole } = await import('../../src/worker/console-stream.js');
    const { ByteRing } = await import('../../src/worker/byte-ring.js');
    let kicks = 0;
    const c = new HostConsole('serial0', () => kicks++);
    const guestOut = new ByteRing(c.spec.out);
    const guestIn = new ByteRing(c.spec.in);
    guestOut.write(new TextEncoder().encode('boot log\n'));
    await new Promise((r) => setTimeout(r, 50));
    const seen: string[] = [];
    const s = c.open();
    s.onData((b) => seen.push(new TextDecoder().decode(b)));
    expect(seen).toEqual(['boot log\n']);
    s.write(new TextEncoder().encode('ls\n'));
    expect(new TextDecoder().decode(guestIn.read())).toBe('ls\n');
    expect(kicks).toBe(1);
    guestOut.write(new TextEncoder().encode('bye\n'));
    guestOut.close();
    // the event loop must stay free: a timer fires promptly after the close
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 20));
    expect(performance.now() - t0).toBeLessThan(500);
    expect(seen.join('')).toBe('boot log\nbye\n');
  });
});
