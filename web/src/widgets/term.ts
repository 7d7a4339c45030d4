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
