// row-reuse.ts — xterm.js's DOM renderer re-creates every row of the viewport whenever output scrolls
// it: a console showing a kernel's boot log, a few new lines at a time, rebuilt all of its rows in
// every frame that drew output, and the browser laid them all out again. Here a row
// element keeps its content when it already shows exactly what its row should: after a scroll by k
// lines the row elements are rotated by k (the top k move to the bottom, to be drawn anew), and a row
// is drawn only if its cells (the buffer line's cell words), its cursor or the cell width differ from
// what the element was last drawn from. Whatever the renderer draws from besides those (a selection,
// decorations, joined characters, combined or extended cells, a hovered link) makes it draw as before.
// Reaches into xterm's internals (the DOM renderer); if they are not there, nothing changes.

interface BufferLineInternals {
  length: number;
  _data?: Uint32Array;
  _combined?: object;
  _extendedAttrs?: object;
}

interface DomRendererInternals {
  renderRows(start: number, end: number): void;
  _setCellUnderline?: (...args: unknown[]) => void;
  _rowElements?: HTMLElement[];
  _rowContainer?: HTMLElement;
  _rowFactory?: { _selectionStart?: unknown };
  _bufferService?: {
    rows: number;
    buffer: { ydisp: number; ybase: number; x: number; y: number; lines: { get(i: number): BufferLineInternals | undefined } };
  };
  _decorationService?: { decorations?: Iterable<unknown> };
  _characterJoinerService?: { _characterJoiners?: unknown[] };
  _coreService?: { decPrivateModes: { cursorBlink?: boolean; cursorStyle?: string } };
  _optionsService?: { rawOptions: { cursorBlink?: boolean; cursorStyle?: string; cursorInactiveStyle?: string } };
  dimensions?: { css: { cell: { width: number } } };
}

/** What a row element was last drawn from. */
interface Drawn { cells: Uint32Array; extra: string }

/** Makes `domRenderer` (xterm's DomRenderer) keep rows that already show what they should. */
export function reuseRows(domRenderer: unknown): void {
  const renderer = domRenderer as DomRendererInternals | undefined;
  if (!renderer || typeof renderer.renderRows !== 'function' || !isUsable(renderer)) return;
  const drawRows = renderer.renderRows.bind(renderer);
  const drawn = new WeakMap<HTMLElement, Drawn>();
  renderer.renderRows = (start, end) => {
    if (!isUsable(renderer) || hasOverlays(renderer)) {
      for (let y = start; y <= end; y++) forget(drawn, renderer._rowElements![y]);
      drawRows(start, end);
      return;
    }
    if (start === 0 && end >= renderer._bufferService!.rows - 1) rotateToScroll(renderer, drawn);
    drawChangedRows(renderer, drawn, drawRows, start, end);
  };
  const underline = renderer._setCellUnderline;
  if (typeof underline === 'function') {
    // a hovered link is drawn into the rows directly: those rows no longer show what was recorded
    renderer._setCellUnderline = (...args: unknown[]) => {
      for (const el of renderer._rowElements ?? []) forget(drawn, el);
      underline.apply(renderer, args);
    };
  }
}

function isUsable(r: DomRendererInternals): boolean {
  return Array.isArray(r._rowElements) && !!r._rowContainer && !!r._bufferService?.buffer?.lines
    && !!r._optionsService && !!r._coreService && typeof r.dimensions?.css?.cell?.width === 'number';
}

/** A selection, decorations or character joiners change how rows are drawn beyond their cells. */
function hasOverlays(r: DomRendererInternals): boolean {
  if (r._rowFactory?._selectionStart !== undefined) return true;
  if ((r._characterJoinerService?._characterJoiners?.length ?? 0) > 0) return true;
  return !isEmpty(r._decorationService?.decorations ?? []);
}

function isEmpty(items: Iterable<unknown>): boolean {
  return items[Symbol.iterator]().next().done === true;
}

function forget(drawn: WeakMap<HTMLElement, Drawn>, el: HTMLElement | undefined): void {
  if (el) drawn.delete(el);
}

/**
 * If the viewport scrolled by k lines since the rows were drawn (row element k shows what row 0
 * should now show), moves the top k row elements to the bottom, so that the others line up again.
 */
function rotateToScroll(r: DomRendererInternals, drawn: WeakMap<HTMLElement, Drawn>): void {
  const rows = r._rowElements!;
  const n = Math.min(rows.length, r._bufferService!.rows);
  const buffer = r._bufferService!.buffer;
  const first = buffer.lines.get(buffer.ydisp);
  if (!first || !plainCells(first)) return;
  for (let k = 1; k < n; k++) {
    const was = drawn.get(rows[k]!);
    if (!was || !sameCells(was.cells, first)) continue;
    const moved = rows.splice(0, k);
    rows.splice(n - k, 0, ...moved);
    const after = rows[n] ?? null; // elements past the viewport's rows, if any, stay last
    for (const el of moved) r._rowContainer!.insertBefore(el, after);
    return;
  }
}

function drawChangedRows(r: DomRendererInternals, drawn: WeakMap<HTMLElement, Drawn>,
  drawRows: (start: number, end: number) => void, start: number, end: number): void {
  const buffer = r._bufferService!.buffer;
  const cursorRow = buffer.ybase + buffer.y;
  const modes = r._coreService!.decPrivateModes;
  const options = r._optionsService!.rawOptions;
  const style = `${modes.cursorStyle ?? options.cursorStyle}|${options.cursorInactiveStyle}|${modes.cursorBlink ?? options.cursorBlink}|${r.dimensions!.css.cell.width}`;
  for (let y = start; y <= end; y++) {
    const el = r._rowElements![y];
    const line = buffer.lines.get(y + buffer.ydisp);
    if (!el || !line) break;
    const extra = `${y + buffer.ydisp === cursorRow ? buffer.x : -1}|${style}`;
    const was = drawn.get(el);
    if (was && was.extra === extra && plainCells(line) && sameCells(was.cells, line)) continue;
    drawRows(y, y);
    if (plainCells(line)) drawn.set(el, { cells: line._data!.slice(0, line.length * 3), extra });
    else drawn.delete(el);
  }
}

/** The line's cells are all in its cell words: no combined characters, no extended attributes. */
function plainCells(line: BufferLineInternals): boolean {
  if (!(line._data instanceof Uint32Array) || line._data.length < line.length * 3) return false;
  return Object.keys(line._combined ?? {}).length === 0 && Object.keys(line._extendedAttrs ?? {}).length === 0;
}

function sameCells(cells: Uint32Array, line: BufferLineInternals): boolean {
  const data = line._data!;
  if (cells.length !== line.length * 3) return false;
  for (let i = 0; i < cells.length; i++) if (cells[i] !== data[i]) return false;
  return true;
}
