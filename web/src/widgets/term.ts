// term.ts — an xterm.js terminal fitted to its panel, with the options the app uses everywhere
// (lineHeight 1.2 so underscores render in headless Chromium, a long scrollback, copy on select).
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';

export interface FittedTerminal {
  term: Terminal;
  fit(): void;
  dispose(): void;
}

export function openTerminal(container: HTMLElement): FittedTerminal {
  const term = new Terminal({ lineHeight: 1.2, scrollback: 10000, cursorBlink: true, convertEol: false,
    fontFamily: 'DejaVu Sans Mono, Menlo, monospace', fontSize: 14, theme: { background: '#111' } });
  const fitter = new FitAddon();
  term.loadAddon(fitter);
  term.open(container);
  skipIdleSelectionRedraws(term);
  measureGlyphsAhead(term);
  const fit = () => { try { fitter.fit(); } catch { /* hidden panel */ } };
  const ro = new ResizeObserver(fit);
  ro.observe(container);
  fit();
  term.onSelectionChange(() => {
    const sel = term.getSelection();
    if (sel) void navigator.clipboard?.writeText(sel).catch(() => undefined);
  });
  return { term, fit, dispose: () => { ro.disconnect(); term.dispose(); } };
}

type SelectionRedraw = (start: unknown, end: unknown, columnSelectMode: boolean) => void;
interface DomRendererInternals { _widthCache?: { get?(c: string, bold: boolean, italic: boolean): number } }
interface RenderServiceInternals { handleSelectionChanged?: SelectionRedraw; _renderer?: { value?: DomRendererInternals } }

function renderService(term: Terminal): RenderServiceInternals | undefined {
  return (term as unknown as { _core?: { _renderService?: RenderServiceInternals } })._core?._renderService;
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
