// ui.ts — `npm run bench -- ui`: how responsive the page stays while two VMs boot in Chromium.
// Serves the app as `npm start` does (the production build, scripts/serve-app.ts; BENCH_UI_DEV=1:
// vite's dev server), opens it in Debian's Chromium, defines two VMs (debian and tiny, as the New VM
// wizard makes them from their templates), opens the debian console in xterm.js and lets it settle
// (fonts, glyph widths), starts Chrome tracing and lets the tracer settle, then starts both VMs,
// marking the window's start in the trace, and traces until both print WASMVIRT-READY. The longest
// task on the page's main thread in that window is the figure (target < 50 ms): the VMs run in Web
// Workers, the page only renders, so a long task means the page does the workers' job somewhere — or,
// on a host with no more cores than booting VMs (host_cpus), that the OS gave the page's thread no
// core: the trace then shows tasks much longer than the CPU time inside them.
// Lines: one per VM {"vm","ready_seconds"}, then {"bench":"ui","longest_task_ms":T,"tasks":N,...}.
// BENCH_UI_TRACE=FILE keeps the trace (open it in Perfetto) to see what ran long; BENCH_UI_CATEGORIES
// adds trace categories (e.g. devtools.timeline: frames, layout, GC, script).
// BENCH_UI_UNTRACED=1 boots without tracing (which perturbs the page it measures) and reports the
// Long Tasks API's entries instead: {"bench":"ui","untraced":true,"long_tasks_ms":[...],"over_50ms":N}
// (that API sees only tasks of 50 ms or more, so it gives no figure below 50).
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { serveApp } from '../scripts/serve-app.js';
import { domainXml, type Manifest } from '../web/src/templates.js';
import { emit } from './_emit.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const VMS = [{ name: 'bench-debian', template: 'debian' }, { name: 'bench-tiny', template: 'tiny' }];
const BOOT_TIMEOUT_MS = 300_000;
/**
 * The tracer starts up inside the page (the DevTools session's Tracing.start, 5–150 ms of one task
 * with the CPU profiler's category) and in each thread it first sees: the window opens this long
 * after, at the VMs' start, which the page marks in the trace (WINDOW_MARK).
 */
const TRACER_SETTLE_MS = 1000;
/**
 * Only what the figure needs, since every traced event costs the page and its workers CPU: the tasks
 * of every thread (toplevel) and the page's marks (blink.user_timing). BENCH_UI_CATEGORIES adds more
 * to see inside a long task (devtools.timeline: frames, layout, GC, script).
 */
const TRACE_CATEGORIES = ['toplevel', 'blink.user_timing'];
const WINDOW_MARK = 'wasmvirt-bench-window';

interface TraceEvent { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; args?: { name?: string } }

export async function run(_args: string[]): Promise<void> {
  const server = await serveApp({ port: 5298, dev: !!process.env.BENCH_UI_DEV });
  const url = server.url;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('[data-testid=status][data-ready=true]', { timeout: 60_000 });
    await page.evaluate(defineVms, VMS.map(templateDomainXml));
    await page.evaluate(() => { location.hash = '#/vm/bench-debian/console'; });
    // the window is the VMs' boot: the console is open and settled (fonts loaded, glyphs measured) first
    await page.waitForSelector('[data-testid=console] .xterm-rows');
    await page.waitForTimeout(1000);
    const traced = !process.env.BENCH_UI_UNTRACED;
    if (traced) {
      await browser.startTracing(page, { categories: [...TRACE_CATEGORIES, ...(process.env.BENCH_UI_CATEGORIES?.split(',') ?? [])] });
      await page.waitForTimeout(TRACER_SETTLE_MS);
    } else await page.evaluate(observeLongTasks);
    const t0 = Date.now();
    await page.evaluate(startAll, VMS.map((v) => v.name));
    const ready = await page.waitForFunction(() => (globalThis as { benchReady?: Record<string, number> }).benchReady,
      undefined, { timeout: BOOT_TIMEOUT_MS, polling: 250 }).then((h) => h.jsonValue() as Promise<Record<string, number>>);
    for (const v of VMS) emit({ vm: v.template, ready_seconds: Math.round((ready[v.name] ?? NaN) / 10) / 100 });
    const cpus = await page.evaluate(() => navigator.hardwareConcurrency);
    if (!traced) {
      const long = await page.evaluate(() => (globalThis as { benchLongTasks?: number[] }).benchLongTasks ?? []);
      emit({ bench: 'ui', untraced: true, long_tasks_ms: long, over_50ms: long.filter((d) => d > 50).length, host_cpus: cpus,
        window_seconds: Math.round((Date.now() - t0) / 100) / 10 });
      return;
    }
    const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] };
    const tasks = mainThreadTasks(trace.traceEvents);
    if (process.env.BENCH_UI_TRACE) (await import('node:fs')).writeFileSync(process.env.BENCH_UI_TRACE, JSON.stringify(trace));
    emit({ bench: 'ui', longest_task_ms: Math.round(Math.max(0, ...tasks) / 100) / 10, tasks: tasks.length,
      over_50ms: tasks.filter((d) => d > 50_000).length, host_cpus: cpus, window_seconds: Math.round((Date.now() - t0) / 100) / 10 });
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * Durations (µs) of the top-level tasks (ThreadControllerImpl::RunTask) on the page's renderer main
 * thread that end after the window opens (WINDOW_MARK, so the task that starts the VMs counts): of the
 * CrRendererMain threads in the trace, the one that marked the window.
 */
function mainThreadTasks(events: TraceEvent[]): number[] {
  const mark = events.find((e) => e.name === WINDOW_MARK && e.ph !== 'M');
  if (!mark) throw new Error(`the trace has no ${WINDOW_MARK} mark: the page did not open the window`);
  return events.filter((e) => e.pid === mark.pid && e.tid === mark.tid && e.ph === 'X'
    && e.name === 'ThreadControllerImpl::RunTask' && e.ts + (e.dur ?? 0) >= mark.ts).map((e) => e.dur ?? 0);
}

/** In the page: records the duration (ms) of every long task (50 ms or more) from now on. */
function observeLongTasks(): void {
  const g = globalThis as { benchLongTasks?: number[] };
  g.benchLongTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) g.benchLongTasks!.push(Math.round(e.duration * 10) / 10);
  }).observe({ type: 'longtask' });
}

/** The domain XML the New VM wizard makes for `v` from its template (no disk, no network: boot work only). */
function templateDomainXml(v: { name: string; template: string }): string {
  const path = `${ROOT}public/images/${v.template}/manifest.json`;
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    throw new Error(`the guest image ${v.template} is missing (${path}): npm run images`);
  }
  return domainXml(m, { name: v.name, memoryMiB: 256, vcpus: 1, diskBytes: 0, network: '' });
}

/** In the page: defines the VMs (by domain XML) that it does not have yet. */
async function defineVms(xmls: string[]): Promise<void> {
  const conn = (globalThis as unknown as { wasmvirt: { conn: import('../src/virt/driver/connect.js').Connect } }).wasmvirt.conn;
  for (const xml of xmls) {
    const name = /<name>([^<]*)<\/name>/.exec(xml)![1];
    if (!conn.domains.list().some((d) => d.name === name)) await conn.domains.defineXML(xml);
  }
}

/**
 * In the page: starts the VMs and records, per VM, the seconds from its start to WASMVIRT-READY. The
 * marker is matched on the bytes as they stream by, allocating nothing: the bench's own listener must
 * not add garbage (and so GC pauses) to the page it measures.
 */
async function startAll(names: string[]): Promise<void> {
  const g = globalThis as unknown as { wasmvirt: { conn: import('../src/virt/driver/connect.js').Connect }; benchReady?: Record<string, number> };
  const conn = g.wasmvirt.conn;
  const readyAt: Record<string, number> = {};
  const marker = new TextEncoder().encode('WASMVIRT-READY'); // its first byte occurs only at its start
  performance.mark('wasmvirt-bench-window'); // WINDOW_MARK: this function runs in the page, on its own
  for (const name of names) {
    const dom = conn.domains.lookupByName(name);
    const t0 = performance.now();
    await conn.domains.start(dom);
    let matched = 0;
    const stream = dom.vm!.openConsole('serial0');
    const off = stream.onData((b: Uint8Array) => {
      for (let i = 0; i < b.length && matched < marker.length; i++) {
        matched = b[i] === marker[matched] ? matched + 1 : b[i] === marker[0] ? 1 : 0;
      }
      if (matched < marker.length) return;
      off();
      readyAt[name] = performance.now() - t0;
      if (Object.keys(readyAt).length === names.length) g.benchReady = readyAt;
    });
  }
}
