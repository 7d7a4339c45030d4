// line-editor.ts — a readline for xterm.js: editing keys, history (up/down), Ctrl-C, Ctrl-U,
// Ctrl-A/E and tab completion through a completer with node:readline's contract
// (returns [candidates, the fragment they complete]). Used by the page's virsh shell.
import type { Terminal } from '@xterm/xterm';

export type Completer = (line: string) => Promise<[string[], string]> | [string[], string];

export class LineEditor {
  private line = '';
  private cursor = 0;
  private readonly history: string[] = [];
  private historyIndex = 0;
  private resolve: ((line: string | null) => void) | undefined;
  private prompt = '';
  /** keystrokes that arrived while no line was being read (a command was running), in order */
  private queued: string[] = [];
  private draining = false;

  constructor(private readonly term: Terminal, private readonly completer?: Completer) {}

  /** Shows `prompt` and resolves with the entered line (null on Ctrl-D at an empty line). */
  read(prompt: string): Promise<string | null> {
    this.prompt = prompt;
    this.line = '';
    this.cursor = 0;
    this.historyIndex = this.history.length;
    this.term.write(prompt);
    const p = new Promise<string | null>((r) => { this.resolve = r; });
    void this.drain();
    return p;
  }

  get reading(): boolean {
    return this.resolve !== undefined;
  }

  /** Feeds keyboard data from term.onData: one key, a burst of keys, or a paste. */
  input(data: string): void {
    this.queued.push(...splitKeys(data));
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.resolve && this.queued.length) await this.key(this.queued.shift()!);
    } finally {
      this.draining = false;
    }
  }

  private async key(data: string): Promise<void> {
    if (!this.resolve) return;
    if (data === '\r') return this.finish(this.line);
    if (data === '\x03') { this.term.write('^C\r\n'); this.line = ''; this.cursor = 0; this.term.write(this.prompt); return; }
    if (data === '\x04' && this.line === '') return this.finish(null);
    if (data === '\t') return this.complete();
    if (data === '\x7f' || data === '\b') { if (this.cursor > 0) this.edit(this.line.slice(0, this.cursor - 1) + this.line.slice(this.cursor), this.cursor - 1); return; }
    if (data === '\x15') return this.edit('', 0);
    if (data === '\x01' || data === '\x1b[H') return this.edit(this.line, 0);
    if (data === '\x05' || data === '\x1b[F') return this.edit(this.line, this.line.length);
    if (data === '\x1b[D') return this.edit(this.line, Math.max(0, this.cursor - 1));
    if (data === '\x1b[C') return this.edit(this.line, Math.min(this.line.length, this.cursor + 1));
    if (data === '\x1b[A' || data === '\x1b[B') return this.recall(data === '\x1b[A' ? -1 : 1);
    if (data.startsWith('\x1b')) return;
    const printable = data.replace(/[\x00-\x1f]/g, '');
    if (printable) this.edit(this.line.slice(0, this.cursor) + printable + this.line.slice(this.cursor), this.cursor + printable.length);
  }

  private finish(line: string | null): void {
    this.term.write('\r\n');
    if (line && line.trim() && this.history[this.history.length - 1] !== line) this.history.push(line);
    const r = this.resolve!;
    this.resolve = undefined;
    r(line);
  }

  private recall(step: number): void {
    const i = Math.min(this.history.length, Math.max(0, this.historyIndex + step));
    this.historyIndex = i;
    const l = this.history[i] ?? '';
    this.edit(l, l.length);
  }

  private async complete(): Promise<void> {
    if (!this.completer) return;
    const before = this.line.slice(0, this.cursor);
    const [hits, fragment] = await this.completer(before);
    if (hits.length === 0) return;
    const common = hits.reduce((a, b) => { let i = 0; while (i < a.length && a[i] === b[i]) i++; return a.slice(0, i); });
    if (common.length > fragment.length) {
      const add = common.slice(fragment.length) + (hits.length === 1 ? ' ' : '');
      this.edit(before + add + this.line.slice(this.cursor), this.cursor + add.length);
    } else if (hits.length > 1) {
      this.term.write('\r\n' + hits.join('  ') + '\r\n' + this.prompt + this.line);
      this.edit(this.line, this.cursor);
    }
  }

  private edit(line: string, cursor: number): void {
    this.line = line;
    this.cursor = cursor;
    this.term.write(`\r\x1b[K${this.prompt}${line}`);
    const back = line.length - cursor;
    if (back > 0) this.term.write(`\x1b[${back}D`);
  }
}

/** Splits terminal input into keys: escape sequences stay whole, everything else is one char each. */
export function splitKeys(data: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < data.length;) {
    const m = data[i] === '\x1b' ? /^\x1b(\[[0-9;]*[A-Za-z~]|O[A-Za-z]|.)?/.exec(data.slice(i)) : null;
    const k = m ? m[0] : data[i]!;
    keys.push(k === '\n' ? '\r' : k);
    i += k.length;
  }
  return keys;
}
