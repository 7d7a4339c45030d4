/*
 * complete.ts — tab completion for the virsh shell (the twin of virsh's
 * readline completers, tools/virsh-completer*.c): command names for the first
 * word, option names after "--", and for an option's value the objects its
 * completer names (domains, pools, networks, volumes, disks, interfaces).
 * Used by the Node shell (node:readline) and the browser terminal alike.
 *
 * Never opens a connection: without one only commands and options complete.
 */
import type { Completer } from './command.js';
import { tokenize } from './parse.js';
import type { Vsh } from './vsh.js';

/** Candidates for the word under the cursor at the end of `line`, and that word. */
export function complete(vsh: Vsh, line: string): [string[], string] {
  const segment = line.slice(lastSeparator(line) + 1);
  let words: string[];
  try {
    words = tokenize(segment, true)[0] ?? [];
  } catch {
    return [[], ''];
  }
  const current = /\s$/.test(segment) || words.length === 0 ? '' : words[words.length - 1];
  const before = current === '' ? words : words.slice(0, -1);
  if (before.length === 0) return [vsh.commandNames().filter((c) => c.startsWith(current)), current];
  const def = vsh.command(before[0]);
  if (!def) return [[], current];
  const used = new Set(before.filter((w) => w.startsWith('--')).map((w) => w.slice(2).split('=')[0]));
  if (current.startsWith('-')) {
    const names = def.opts.filter((o) => !used.has(o.name) || o.type === 'argv').map((o) => `--${o.name}`);
    return [names.filter((n) => n.startsWith(current)).sort(), current];
  }
  const prev = before[before.length - 1];
  let kind: Completer | undefined;
  const prevOpt = prev.startsWith('--') ? def.opts.find((o) => o.name === prev.slice(2)) : undefined;
  if (prevOpt && prevOpt.type !== 'bool') {
    kind = prevOpt.completer;
  } else {
    const data = before.slice(1).filter((w, i, a) => !w.startsWith('--') &&
      !(i > 0 && a[i - 1].startsWith('--') && def.opts.find((o) => o.name === a[i - 1].slice(2))?.type !== 'bool'));
    const positional = def.opts.filter((o) => o.positional && !used.has(o.name));
    kind = (positional[data.length] ?? positional.find((o) => o.type === 'argv'))?.completer;
  }
  const values = kind ? candidates(vsh, kind, before) : [];
  return [values.filter((v) => v.startsWith(current)).sort(), current];
}

function lastSeparator(line: string): number {
  let sq = false;
  let dq = false;
  let last = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && !sq) i++;
    else if (c === "'" && !dq) sq = !sq;
    else if (c === '"' && !sq) dq = !dq;
    else if (c === ';' && !sq && !dq) last = i;
  }
  return last;
}

function candidates(vsh: Vsh, kind: Completer, words: string[]): string[] {
  const conn = vsh.current;
  if (!conn) return [];
  switch (kind) {
    case 'domain': return conn.domains.list().map((d) => d.name);
    case 'domain-active': return conn.domains.list().filter((d) => d.isActive()).map((d) => d.name);
    case 'domain-inactive': return conn.domains.list().filter((d) => !d.isActive()).map((d) => d.name);
    case 'pool': return conn.pools.list().map((p) => p.name);
    case 'network': return conn.networks.list().map((n) => n.name);
    case 'disk':
    case 'iface': {
      const dom = words.slice(1).find((w) => !w.startsWith('-'));
      const d = dom ? conn.domains.list().find((x) => x.name === dom) : undefined;
      if (!d) return [];
      return kind === 'disk' ? d.def.devices.disks.map((x) => x.target.dev)
        : d.def.devices.interfaces.flatMap((i) => (i.target ? [i.target, i.mac] : [i.mac]));
    }
    default: return [];
  }
}
