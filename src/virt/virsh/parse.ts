/*
 * parse.ts — virsh's command-line parser (tools/vsh.c: vshCommandStringGetArg,
 * vshCommandArgvGetArg, vshCommandParse).
 *
 * Tokenizing a shell line: blanks separate words; ';' or a newline ends a
 * command; an unquoted word starting with '#' comments out the rest of the line;
 * '...' quotes literally; "..." quotes with \ as escape; \ escapes outside
 * single quotes; a backslash-newline is elided.
 * Options: `--name value`, `--name=value`, `--bool`, positional data filling the
 * command's positional options in order, `--` making the rest data, `--help`
 * turning the command into `help <command>`. Error texts are virsh's.
 */
import { type CmdDef, ParsedCmd } from './command.js';

export class ParseError extends Error {}

/** One command's words, or the partial last command (for completion). */
export type Words = string[];

/**
 * Splits a shell line into commands and their words. With `partial` (completion),
 * an unterminated quote is accepted instead of reported.
 */
export function tokenize(line: string, partial = false): Words[] {
  const cmds: Words[] = [];
  let cur: Words = [];
  let i = 0;
  const n = line.length;
  const endCommand = () => {
    if (cur.length) cmds.push(cur);
    cur = [];
  };
  for (;;) {
    while (i < n && (line[i] === ' ' || line[i] === '\t' || (line[i] === '\\' && line[i + 1] === '\n'))) {
      i += line[i] === '\\' ? 2 : 1;
    }
    if (i >= n) break;
    if (line[i] === ';' || line[i] === '\n') {
      i++;
      endCommand();
      continue;
    }
    if (line[i] === '#') {
      while (i < n && line[i] !== '\n') i++;
      continue;
    }
    let word = '';
    let sq = false;
    let dq = false;
    while (i < n) {
      const c = line[i];
      if (!sq && !dq && (c === ' ' || c === '\t' || c === ';' || c === '\n')) break;
      if (!dq && c === "'") {
        sq = !sq;
        i++;
        continue;
      }
      if (!sq && c === '\\') {
        i++;
        if (i >= n) {
          if (partial) break;
          throw new ParseError('dangling \\');
        }
        if (line[i] === '\n') {
          i++;
          continue;
        }
      } else if (!sq && c === '"') {
        dq = !dq;
        i++;
        continue;
      }
      word += line[i++];
    }
    if (dq && !partial) throw new ParseError('missing "');
    cur.push(word);
  }
  endCommand();
  return cmds;
}

/** Looks a command up by name; undefined if virsh has no such command. */
export type CommandLookup = (name: string) => CmdDef | undefined;

/**
 * vshCommandParse for one command's words: resolves options against the
 * command's definition. `--help` anywhere yields `help <command>`.
 */
export function parseCommand(words: Words, lookup: CommandLookup): ParsedCmd {
  const def = lookup(words[0]);
  if (!def) throw new ParseError(`unknown command: '${words[0]}'`);
  const values = new Map<string, string[]>();
  const seenPositional = new Set<string>();
  let dataOnly = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (!dataOnly && w.startsWith('--') && /^[A-Za-z0-9]/.test(w.slice(2))) {
      const eq = w.indexOf('=');
      const name = eq >= 0 ? w.slice(2, eq) : w.slice(2);
      if (name === 'help') return helpFor(def, lookup);
      const opt = def.opts.find((o) => o.name === name || o.aliases?.includes(name));
      if (!opt) {
        if (def.name === 'help') continue;
        throw new ParseError(`command '${def.name}' doesn't support option --${name}`);
      }
      if (values.has(opt.name) && opt.type !== 'argv') throw new ParseError(`option --${name} already seen`);
      if (opt.type === 'bool') {
        if (eq >= 0) throw new ParseError(`invalid '=' after option --${name}`);
        values.set(opt.name, ['']);
        continue;
      }
      let value: string;
      if (eq >= 0) value = w.slice(eq + 1);
      else if (i + 1 < words.length) value = words[++i];
      else throw new ParseError(`expected syntax: --${name} <${opt.type === 'int' ? 'number' : 'string'}>`);
      pushValue(values, opt.name, value);
      seenPositional.add(opt.name);
      continue;
    }
    if (!dataOnly && w === '--') {
      dataOnly = true;
      continue;
    }
    const opt = def.opts.find((o) => o.positional && (!seenPositional.has(o.name) || o.type === 'argv'));
    if (!opt) {
      if (def.name === 'help') continue;
      throw new ParseError(`unexpected data '${w}'`);
    }
    if (opt.type !== 'argv') seenPositional.add(opt.name);
    pushValue(values, opt.name, w);
  }
  for (const o of def.opts) {
    if (o.required && !values.has(o.name)) {
      throw new ParseError(
        o.positional ? `command '${def.name}' requires <${o.name}> option` : `command '${def.name}' requires --${o.name} option`,
      );
    }
  }
  return new ParsedCmd(def, values);
}

function pushValue(values: Map<string, string[]>, name: string, value: string): void {
  const list = values.get(name);
  if (list) list.push(value);
  else values.set(name, [value]);
}

function helpFor(def: CmdDef, lookup: CommandLookup): ParsedCmd {
  const help = lookup('help');
  if (!help) throw new ParseError(`unknown command: 'help'`);
  return new ParsedCmd(help, new Map([['command', [def.name]]]));
}

/** Parses every command of a shell line (or of argv, given as one command's words). */
export function parseLine(line: string, lookup: CommandLookup): ParsedCmd[] {
  return tokenize(line).map((w) => parseCommand(w, lookup));
}
