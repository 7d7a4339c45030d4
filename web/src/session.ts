// session.ts — the page's connection to its own libvirt twin: a Connect over IndexedDB (definitions),
// the IndexedDB block store (disk images) and the Web Worker hypervisor (one worker per VM), plus a
// stats sampler that keeps the last minutes of each VM's figures for the graphs.
import type { Connect } from '../../src/virt/driver/connect.js';
import type { DomainObj } from '../../src/virt/driver/domain-obj.js';
import type { VmStats } from '../../src/virt/hypervisor.js';
import { openBrowserConnect, type BrowserHost } from './platform.js';

/** One sample per second, ten minutes kept. */
export const SAMPLE_MS = 1000;
const KEEP = 600;

export interface Sample {
  t: number;
  cpuPct: number;
  memKiB: number;
  diskRdBps: number;
  diskWrBps: number;
  netRxBps: number;
  netTxBps: number;
}

export class Session {
  readonly history = new Map<string, Sample[]>();
  readonly poolHistory: { t: number; usedBytes: number }[] = [];
  private readonly last = new Map<string, { t: number; s: VmStats }>();
  private listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;

  private constructor(readonly conn: Connect, readonly host: BrowserHost) {
    conn.events.on(() => this.changed());
  }

  static async open(): Promise<Session> {
    const { conn, host } = await openBrowserConnect();
    const s = new Session(conn, host);
    s.timer = setInterval(() => void s.sample(), SAMPLE_MS);
    return s;
  }

  /** Calls `fn` on every state change and every sample; returns an unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  samples(dom: DomainObj): Sample[] {
    return this.history.get(dom.uuid) ?? [];
  }

  close(): void {
    clearInterval(this.timer);
  }

  private changed(): void {
    for (const fn of [...this.listeners]) fn();
  }

  private async sample(): Promise<void> {
    const now = performance.now();
    this.poolHistory.push({ t: now, usedBytes: this.host.poolStats().usedBytes });
    if (this.poolHistory.length > KEEP) this.poolHistory.shift();
    for (const d of this.conn.domains.list()) {
      if (!d.isActive() || !d.vm) continue;
      const s = await d.vm.stats().catch(() => undefined);
      if (s) this.record(d.uuid, now, s);
    }
    this.changed();
  }

  private record(uuid: string, t: number, s: VmStats): void {
    const prev = this.last.get(uuid);
    this.last.set(uuid, { t, s });
    if (!prev) return;
    const dt = (t - prev.t) / 1000;
    const sum = (r: Record<string, object>, k: string) => Object.values(r).reduce((n, x) => n + ((x as Record<string, number>)[k] ?? 0), 0);
    const rate = (k: string, r: Record<string, object>, pr: Record<string, object>) => Math.max(0, (sum(r, k) - sum(pr, k)) / dt);
    const sample: Sample = {
      t,
      cpuPct: Math.min(100 * s.vcpus.length, Math.max(0, ((s.cpuTimeNs - prev.s.cpuTimeNs) / 1e9 / dt) * 100)),
      memKiB: s.rssKiB,
      diskRdBps: rate('rdBytes', s.block, prev.s.block),
      diskWrBps: rate('wrBytes', s.block, prev.s.block),
      netRxBps: rate('rxBytes', s.net, prev.s.net),
      netTxBps: rate('txBytes', s.net, prev.s.net),
    };
    const list = this.history.get(uuid) ?? [];
    list.push(sample);
    if (list.length > KEEP) list.shift();
    this.history.set(uuid, list);
  }
}
