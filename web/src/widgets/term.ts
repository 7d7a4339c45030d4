// term.ts — an xterm.js terminal fitted to its panel, with the options the app uses everywhere
// (lineHeight 1.2 so underscores render in headless Chromium, a long scrollback, copy on select, a
// blinking cursor that costs two style changes a second) and fixes for what made xterm's DOM
// renderer slow on a console that scrolls a kernel's boot log.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { reuseRows } from './row-reuse.js';

export interface FittedTerminal {
  term: Terminal;
  fit(): void;
  dispose(): void;
}

export function openTerminal(container: HTMLElement): FittedTerminal {
  const term = new Terminal({ lineHeight: 1.2, scrollback: 10000, cursorBlink: false, convertEol: false,
    fontFamily: 'DejaVu Sans Mono, Menlo, monospace', fontSize: 14, theme: { background: '#111' } });
  const fitter = new FitAddon();
  term.loadAddon(fitter);
  term.open(container);
  skipIdleSelectionRedraws(term);
  syncScrollbarOncePerFrame(term);
  reuseRows(renderService(term)?._renderer?.value);
  measureGlyphsAhead(term);
  const stopBlinking = blinkCursor(term);
  const fit = () => { try { fitter.fit(); } catch { /* hidden panel */ } };
  const ro = new ResizeObserver(fit);
  ro.observe(container);
  fit();
  term.onSelectionChange(() => {
    const sel = term.getSelection();
    if (sel) void navigator.clipboard?.writeText(sel).catch(() => undefined);
  });
  return { term, fit, dispose: () => { stopBlinking(); ro.disconnect(); term.dispose(); } };
}

/** Half of the cursor's blink period (xterm's own CSS blink: 1 s). */
const CURSOR_BLINK_HALF_MS = 500;

/**
 * Blinks the cursor of a focused terminal by toggling the class `cursor-off` on its element
 * (style.css hides the cursor under it) every CURSOR_BLINK_HALF_MS, and shows it steadily again
 * whenever the user types. xterm's own blink (cursorBlink) is a CSS animation of colours, which
 * Chromium cannot run on the compositor: it made the page's main thread recalculate style in every
 * frame, 60 times a second, for as long as a console was open, most of the page's work while VMs
 * booted. Returns the function that stops it.
 */
function blinkCursor(term: Terminal): () => void {
  let timer: ReturnType<typeof setInterval> | undefined;
  const show = (on: boolean) => term.element?.classList.toggle('cursor-off', !on);
  const restart = () => {
    clearInterval(timer);
    show(true);
    timer = setInterval(() => {
      const el = term.element;
      if (el?.isConnected) show(!el.classList.contains('focus') || el.classList.contains('cursor-off'));
    }, CURSOR_BLINK_HALF_MS);
  };
  const typing = term.onData(restart);
  restart();
  return () => { clearInterval(timer); typing.dispose(); };
}

type SelectionRedraw = (start: unknown, end: unknown, columnSelectMode: boolean) => void;
interface DomRendererInternals { _widthCache?: { get?(c: string, bold: boolean, italic: boolean): number } }
interface RenderServiceInternals {
  handleSelectionChanged?: SelectionRedraw;
  addRefreshCallback?: (callback: FrameRequestCallback) => number;
  _renderer?: { value?: DomRendererInternals };
}
interface ViewportInternals { _sync?: (ydisp?: number) => void }
interface CoreInternals { _renderService?: RenderServiceInternals; _viewport?: ViewportInternals }

function core(term: Terminal): CoreInternals | undefined {
  return (term as unknown as { _core?: CoreInternals })._core;
}

function renderService(term: Terminal): RenderServiceInternals | undefined {
  return core(term)?._renderService;
}

/**
 * xterm.js 6 syncs its scrollbar with the buffer on every scroll of the buffer, that is at every line
 * feed of output that fills the screen: scroll dimensions and position, showing the scrollbar and
 * re-arming its hide timer (a setTimeout per line). A kernel's boot log spent half as much time there
 * as in rendering the rows. Those syncs (the calls without a position) are done here once per frame,
 * just after the rows are rendered, with the buffer's position then; the syncs that carry a
 * position (xterm's own queued ones) go through unchanged. Internals: without them, nothing changes.
 */
function syncScrollbarOncePerFrame(term: Terminal): void {
  const viewport = core(term)?._viewport;
  const render = renderService(term);
  const sync = viewport?._sync;
  const addRefreshCallback = render?.addRefreshCallback;
  if (!viewport || !render || typeof sync !== 'function' || typeof addRefreshCallback !== 'function') return;
  let queued = false;
  viewport._sync = (...ydisp: [number?]) => {
    if (ydisp.length) return sync.apply(viewport, ydisp);
    if (queued) return;
    queued = true;
    addRefreshCallback.call(render, () => {
      queued = false;
      sync.call(viewport);
    });
  };
}

/**
 * xterm.js's DOM renderer measures each glyph's width the first time it draws it, with a forced
 * layout per glyph; a VM's first burst of boot output drew some sixty new glyphs in one frame, the
 * page's longest task. This measures printable ASCII (plain and bold) ahead, a few glyphs per idle
 * task, while the terminal has nothing to draw. Internals again: without them, nothing happens.
 */
function measureGlyphsAhead(term: Terminal): void {
  const cache = renderService(term)?._renderer?.value?._widthCache;
  if (typeof cache?.get !== 'function') return;
  const glyphs: [string, boolean][] = [];
  for (const bold of [false, true]) for (let c = 0x20; c < 0x7f; c++) glyphs.push([String.fromCharCode(c), bold]);
  const step = () => {
    if (!term.element?.isConnected) return; // closed (or never shown): its renderer may be gone
    try {
      for (const [c, bold] of glyphs.splice(0, 4)) cache.get!(c, bold, false);
    } catch {
      return;
    }
    if (glyphs.length) setTimeout(step, 0);
  };
  setTimeout(step, 0);
}

/**
 * xterm.js 6 refreshes the selection on every scroll, and its DOM renderer answers each refresh by
 * re-rendering every row, even when nothing is or was selected: a console scrolling a kernel's boot
 * log rendered the whole viewport twice per frame, and those frames were the page's longest tasks
 * (`npm run bench -- ui`). A refresh from "no selection" to "no selection" changes nothing on the
 * screen, so it is dropped here; the rows' own changes are still rendered by the normal refresh.
 * Reaches into xterm's internals (the render service); if they are not there, nothing changes.
 */
function skipIdleSelectionRedraws(term: Terminal): void {
  const render = renderService(term);
  const original = render?.handleSelectionChanged;
  if (!render || typeof original !== 'function') return;
  let selected = false;
  render.handleSelectionChanged = (start, end, columnSelectMode) => {
    const now = start !== undefined && end !== undefined;
    if (!now && !selected) return;
    selected = now;
    original.call(render, start, end, columnSelectMode);
  };
}
