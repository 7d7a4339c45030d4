/*
 * command.ts — the shape of a virsh command (tools/vsh.h: vshCmdDef, vshCmdOptDef,
 * vshCmdGrp) and of a parsed command line (vshCmd), with virsh's typed option
 * getters and their error wording (vshCommandOptInt, vshCommandOptStringReq,
 * vshCommandOptScaledInt).
 *
 * Invariant: a ParsedCmd only holds options its CmdDef declares; the getters
 * never see an unknown name (a programming error throws).
 */
import type { Vsh } from './vsh.js';

export type OptType = 'bool' | 'string' | 'int' | 'argv';

/** What a completer offers for an option's value (tab completion in the shell). */
export type Completer = 'domain' | 'domain-active' | 'domain-inactive' | 'pool' | 'network' | 'volume' | 'file' | 'disk' | 'iface';

export interface OptDef {
  name: string;
  type: OptType;
  help: string;
  /** The value may be given without `--name` (virsh's .positional). */
  positional?: boolean;
  required?: boolean;
  /** An empty string is a valid value (VSH_OFLAG_EMPTY_OK). */
  allowEmpty?: boolean;
  completer?: Completer;
  /** Other accepted spellings (virsh's VSH_OT_ALIAS), e.g. total_bytes_sec; never shown in help. */
  aliases?: string[];
}

export interface CmdDef {
  name: string;
  help: string;
  desc: string;
  opts: OptDef[];
  /** Runs without a connection (help, echo, quit…). */
  noConnect?: boolean;
  run(vsh: Vsh, cmd: ParsedCmd): Promise<boolean>;
}

export interface CmdGroup {
  name: string;
  keyword: string;
  cmds: CmdDef[];
}

/** A usage error raised while reading an option: virsh prints it as `error: …`. */
export class OptionError extends Error {}

export class ParsedCmd {
  constructor(
    readonly def: CmdDef,
    /** option name -> values (bool options hold [''], argv may hold many). */
    readonly values: Map<string, string[]>,
  ) {}

  private optDef(name: string): OptDef {
    const o = this.def.opts.find((x) => x.name === name);
    if (!o) throw new Error(`command '${this.def.name}' has no option '${name}'`);
    return o;
  }

  bool(name: string): boolean {
    this.optDef(name);
    return this.values.has(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** vshCommandOptStringReq: undefined if absent; an empty value is an error unless allowed. */
  string(name: string): string | undefined {
    const o = this.optDef(name);
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    if (v[0] === '' && !o.allowEmpty) {
      throw new OptionError(`Failed to get option '${name}': Option argument is empty`);
    }
    return v[0];
  }

  /** The value of a required option (the parser has checked it is present). */
  req(name: string): string {
    const s = this.string(name);
    if (s === undefined) throw new OptionError(`Failed to get option '${name}': Mandatory option not present`);
    return s;
  }

  /** vshCommandOptInt / OptUInt: a base-10 integer, or the virsh error. */
  int(name: string, opts: { min?: number; max?: number } = {}): number | undefined {
    this.optDef(name);
    const v = this.values.get(name)?.[0];
    if (v === undefined) return undefined;
    const n = /^\s*[-+]?\d+$/.test(v) ? Number(v) : NaN;
    const min = opts.min ?? Number.MIN_SAFE_INTEGER;
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new OptionError(`Numeric value '${v}' for <${name}> option is malformed or out of range`);
    }
    return n;
  }

  /** vshCommandOptScaledInt: "512M", "2G", "1024" (default unit `scale` bytes). */
  scaled(name: string, scale: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    this.optDef(name);
    const v = this.values.get(name)?.[0];
    if (v === undefined) return undefined;
    const n = scaleInteger(v, scale);
    if (n === undefined || n > max) {
      throw new OptionError(`Scaled numeric value '${v}' for <${name}> option is malformed or out of range`);
    }
    return n;
  }

  argv(name: string): string[] {
    this.optDef(name);
    return this.values.get(name) ?? [];
  }
}

const SUFFIX: Record<string, number> = {
  '': 0, b: 0, byte: 0, bytes: 0,
  k: 1, kib: 1, m: 2, mib: 2, g: 3, gib: 3, t: 4, tib: 4, p: 5, pib: 5, e: 6, eib: 6,
};
const DECIMAL: Record<string, number> = { kb: 1, mb: 2, gb: 3, tb: 4, pb: 5, eb: 6 };

/**
 * virScaleInteger: a non-negative integer with an optional unit suffix; bare
 * numbers are in units of `scale` bytes; "k", "KiB" are 1024, "KB" is 1000.
 */
export function scaleInteger(text: string, scale: number): number | undefined {
  const m = /^\s*\+?(\d+)\s*([a-zA-Z]*)$/.exec(text);
  if (!m) return undefined;
  const base = Number(m[1]);
  const unit = m[2].toLowerCase();
  let mult: number;
  if (unit === '') mult = scale;
  else if (unit in SUFFIX) mult = 1024 ** SUFFIX[unit];
  else if (unit in DECIMAL) mult = 1000 ** DECIMAL[unit];
  else return undefined;
  const n = base * mult;
  return Number.isSafeInteger(n) ? n : undefined;
}
