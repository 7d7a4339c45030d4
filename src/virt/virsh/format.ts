/*
 * format.ts — virsh's output helpers: the table printer (tools/vsh-table.c), the
 * pretty capacity (vshPrettyCapacity), and printf-style padding as virsh uses it.
 *
 * Table layout, as vshTablePrint does it: every cell is preceded by one space;
 * between columns the cell is padded to the column width plus two spaces (so
 * columns sit three spaces apart); the last cell is not padded; the dashed line
 * under the header is (width + 3) dashes per column. Control characters in a
 * cell are shown as \xNN so they cannot break the alignment.
 */

/** `%-Ns` of printf: left-justify `s` in `width` columns (never truncates). */
export function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

/** `%Ns` of printf: right-justify. */
export function padLeft(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

/** vshTableSafeEncode: control characters (and a literal "\x") become \xNN. */
export function safeEncode(cell: string): string {
  let out = '';
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (cell[i] === '\\' && cell[i + 1] === 'x')) {
      out += '\\x' + c.toString(16).padStart(2, '0');
    } else {
      out += cell[i];
    }
  }
  return out;
}

/** Display width of a cell: code points (the terminal width of CJK is not modelled). */
function width(s: string): number {
  return [...s].length;
}

export class VshTable {
  private readonly rows: string[][];

  constructor(...header: string[]) {
    this.rows = [header];
  }

  add(...cells: string[]): this {
    if (cells.length !== this.rows[0].length) {
      throw new Error(`internal error: Incorrect number of cells in a table row`);
    }
    this.rows.push(cells);
    return this;
  }

  get length(): number {
    return this.rows.length - 1;
  }

  /** The table as virsh prints it; `header` false (virsh -q) prints only the rows. */
  render(header = true): string {
    const rows = this.rows.map((r) => r.map(safeEncode));
    const ncols = rows[0].length;
    const max = new Array<number>(ncols).fill(0);
    for (let i = header ? 0 : 1; i < rows.length; i++) {
      rows[i].forEach((c, j) => (max[j] = Math.max(max[j], width(c))));
    }
    const line = (r: string[]) =>
      r.map((c, j) => ' ' + c + (j < ncols - 1 ? ' '.repeat(max[j] - width(c) + 2) : '')).join('') + '\n';
    let out = '';
    if (header) {
      out += line(rows[0]);
      out += max.map((w) => '-'.repeat(w + 3)).join('') + '\n';
    }
    for (let i = 1; i < rows.length; i++) out += line(rows[i]);
    return out;
  }
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** vshPrettyCapacity: the value in the largest binary unit that keeps it >= 1. */
export function prettyCapacity(bytes: number): { value: number; unit: string } {
  let unit = 0;
  let value = bytes;
  while (unit < UNITS.length - 1 && bytes >= 1024 ** (unit + 1)) unit++;
  value = bytes / 1024 ** unit;
  return { value, unit: UNITS[unit] };
}

/** "%.2lf %s" of a pretty capacity, as pool-list/vol-list/vol-info print it. */
export function capacityText(bytes: number): string {
  const { value, unit } = prettyCapacity(bytes);
  return `${value.toFixed(2)} ${unit}`;
}

/** printf "%.1lf" of a number of seconds, as dominfo prints CPU time. */
export function seconds1(ns: number): string {
  return (ns / 1e9).toFixed(1) + 's';
}
