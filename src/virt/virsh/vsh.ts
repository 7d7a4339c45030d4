/*
 * vsh.ts — one virsh session (tools/vsh.c's vshControl): the connection, the
 * output streams, and running parsed commands the way vshCommandRun does.
 *
 * Output rules, as virsh: vshPrint goes to stdout; vshPrintExtra too unless
 * quiet (-q); errors go to stderr as "error: <text>"; a failing libvirt call
 * prints the command's own message first, then the library error
 * (vshReportError) — the two-line style. After every command except quit/exit,
 * virsh prints an empty line (vshPrintExtra "\n"). The exit status is 0 when
 * the last command succeeded, 1 otherwise.
 */
import { VirError } from '../error.js';
import type { Connect } from '../driver/connect.js';
import { OptionError, type CmdDef, type CmdGroup, type ParsedCmd } from './command.js';
import { ParseError, parseCommand, tokenize } from './parse.js';

/** What virsh needs from its environment (files, editor, console); Node and the browser differ. */
export interface VshIO {
  out(text: string): void;
  err(text: string): void;
  readFile(path: string): Promise<string>;
  /** Streams a local file's bytes (vol-upload). */
  readStream(path: string): Promise<AsyncIterable<Uint8Array>>;
  /** Writes bytes to a local file, creating or truncating it (vol-download). */
  writeStream(path: string, data: AsyncIterable<Uint8Array>): Promise<void>;
  /** Lets the user edit `text`; resolves to the edited text (virsh edit). */
  edit?(text: string, what: string): Promise<string>;
  /** Attaches the terminal to a console stream until the escape character (virsh console). */
  console?(attach: ConsoleAttach): Promise<void>;
  cwd?(): string;
  chdir?(dir: string): void;
}

export interface ConsoleAttach {
  domain: string;
  stream: import('../hypervisor.js').ConsoleStream;
  /** Resolves when the VM stops (the console ends by itself). */
  ended: Promise<void>;
}

export interface VshOptions {
  io: VshIO;
  groups: CmdGroup[];
  /** Opens the connection for a URI (undefined: the default one). */
  open(uri: string | undefined): Promise<Connect>;
  uri?: string;
  quiet?: boolean;
}

export class Vsh {
  readonly io: VshIO;
  readonly groups: CmdGroup[];
  quiet: boolean;
  uri: string | undefined;
  private connection: Connect | undefined;
  private readonly opener: (uri: string | undefined) => Promise<Connect>;
  private readonly byName = new Map<string, CmdDef>();
  /** Set by quit/exit. */
  done = false;

  constructor(opts: VshOptions) {
    this.io = opts.io;
    this.groups = opts.groups;
    this.quiet = opts.quiet ?? false;
    this.uri = opts.uri;
    this.opener = opts.open;
    for (const g of opts.groups) for (const c of g.cmds) this.byName.set(c.name, c);
  }

  command(name: string): CmdDef | undefined {
    return this.byName.get(name);
  }

  commandNames(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** The connection, opened on first use (virsh connects lazily for commands that need it). */
  async conn(): Promise<Connect> {
    if (!this.connection) {
      try {
        this.connection = await this.opener(this.uri);
      } catch (e) {
        this.error('failed to connect to the hypervisor');
        throw e;
      }
    }
    return this.connection;
  }

  /** The open connection, if any (for completion: never opens one). */
  get current(): Connect | undefined {
    return this.connection;
  }

  async reconnect(uri: string | undefined): Promise<void> {
    const old = this.connection;
    this.connection = undefined;
    this.uri = uri;
    await this.conn();
    if (old) await old.close();
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = undefined;
  }

  print(text: string): void {
    this.io.out(text);
  }

  printExtra(text: string): void {
    if (!this.quiet) this.io.out(text);
  }

  error(text: string): void {
    this.io.err(`error: ${text}\n`);
  }

  /** Runs one shell line (several commands separated by ';' or newlines). */
  async runLine(line: string): Promise<boolean> {
    let cmds: ParsedCmd[];
    try {
      cmds = tokenize(line).map((w) => parseCommand(w, (n) => this.command(n)));
    } catch (e) {
      this.reportParse(e);
      return false;
    }
    return this.runAll(cmds);
  }

  /** Runs one command given as argv words (no quoting: the shell did it). */
  async runArgv(words: string[]): Promise<boolean> {
    let cmd: ParsedCmd;
    try {
      cmd = parseCommand(words, (n) => this.command(n));
    } catch (e) {
      this.reportParse(e);
      return false;
    }
    return this.runAll([cmd]);
  }

  private reportParse(e: unknown): void {
    if (e instanceof ParseError) this.error(e.message);
    else throw e;
  }

  private async runAll(cmds: ParsedCmd[]): Promise<boolean> {
    let ok = true;
    for (const cmd of cmds) {
      ok = await this.runOne(cmd);
      if (cmd.def.name === 'quit' || cmd.def.name === 'exit') return ok;
      this.printExtra('\n');
    }
    return ok;
  }

  private async runOne(cmd: ParsedCmd): Promise<boolean> {
    try {
      if (!cmd.def.noConnect) await this.conn();
      return await cmd.def.run(this, cmd);
    } catch (e) {
      this.report(e);
      return false;
    }
  }

  /** vshReportError: the library error (or a usage error) after the command's own message. */
  report(e: unknown): void {
    if (e instanceof VirError || e instanceof OptionError) this.error(e.message);
    else if (e instanceof Error) this.error(e.message);
    else this.error(String(e));
  }

  /**
   * Runs a library call; on a library error prints `failMessage` (if any) then
   * the library error — virsh's "error: Failed to start domain 'x'" followed by
   * "error: Requested operation is not valid: domain is already running" — and
   * returns false.
   */
  async attempt(failMessage: string | undefined, fn: () => Promise<unknown> | unknown): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (e) {
      if (!(e instanceof VirError)) throw e;
      if (failMessage) this.error(failMessage);
      this.error(e.message);
      return false;
    }
  }
}
