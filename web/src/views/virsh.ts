// virsh.ts — the interactive virsh shell in an xterm.js tab: the same command set, output formats
// and errors as `wasmvirt virsh` in Node, on the page's own connection. `virsh edit` opens an XML
// editor dialog; `virsh console` attaches this terminal to the VM's console until Ctrl-].
import { h, clear } from '../dom.js';
import { openTerminal } from '../widgets/term.js';
import { LineEditor } from '../widgets/line-editor.js';
import type { Session } from '../session.js';
import { Vsh, type VshIO, type ConsoleAttach } from '../../../src/virt/virsh/vsh.js';
import { VIRSH_GROUPS } from '../../../src/virt/virsh/groups.js';
import { complete } from '../../../src/virt/virsh/complete.js';
import { xmlEditor } from './xml-editor.js';

export function virshView(el: HTMLElement, session: Session): () => void {
  const box = h('div', { class: 'console virsh', 'data-testid': 'virsh-terminal' });
  el.append(box);
  const t = openTerminal(box);
  const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');
  let consoleInput: ((data: string) => void) | undefined;
  const io: VshIO = {
    out: (s) => t.term.write(crlf(s)),
    err: (s) => t.term.write(`\x1b[31m${crlf(s)}\x1b[0m`),
    readFile: async (path) => { throw new Error(`cannot read '${path}': the page has no file system (paste XML into the New VM page instead)`); },
    readStream: async (path) => { throw new Error(`cannot read '${path}': use the Storage page to upload files`); },
    writeStream: async (path) => { throw new Error(`cannot write '${path}': use the Storage page to download volumes`); },
    edit: (text, what) => editInDialog(text, what),
    console: (attach) => attachConsole(attach),
  };
  const vsh = new Vsh({ io, groups: VIRSH_GROUPS, open: async () => session.conn, uri: session.conn.uri });
  const editor = new LineEditor(t.term, (line) => complete(vsh, line));
  const input = t.term.onData((d) => (consoleInput ? consoleInput(d) : editor.input(d)));

  const attachConsole = (a: ConsoleAttach) => new Promise<void>((resolve) => {
    t.term.write(`Connected to domain '${a.domain}'\r\nEscape character is ^] (Ctrl + ])\r\n`);
    const off = a.stream.onData((b) => t.term.write(b));
    const end = () => { off(); a.stream.close(); consoleInput = undefined; t.term.write('\r\n'); resolve(); };
    consoleInput = (d) => (d === '\x1d' ? end() : a.stream.write(new TextEncoder().encode(d)));
    void a.ended.then(() => consoleInput && end());
  });

  let alive = true;
  const loop = async () => {
    const w = session.host.workerCheck;
    t.term.write(w.ok
      ? `wasmvirt core ${w.version} running in a Web Worker (shared pool ${w.poolBytes} bytes)\r\n\r\n`
      : `\x1b[31mcore check in a Web Worker failed: ${w.error}\x1b[0m\r\n\r\n`);
    t.term.write(`Welcome to virsh, the virtualization interactive terminal.\r\n\r\nType:  'help' for help with commands\r\n       'quit' to quit\r\n\r\n`);
    while (alive && !vsh.done) {
      const line = await editor.read('virsh # ');
      if (line === null) break;
      if (line.trim()) await vsh.runLine(line);
    }
    if (alive) t.term.write('\r\n[virsh exited: reload the tab for a new shell]\r\n');
  };
  void loop();
  t.term.focus();
  return () => { alive = false; input.dispose(); t.dispose(); clear(el); };
}

function editInDialog(text: string, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const dlg = h('dialog', { class: 'dialog wide', 'data-testid': 'edit-dialog' }, h('h2', {}, `Edit ${what}`));
    const editor = xmlEditor(text, async (xml) => { dlg.close(); dlg.remove(); resolve(xml); return ''; }, 'Save');
    dlg.append(editor.element, h('button', { onclick: () => { dlg.close(); dlg.remove(); reject(new Error('edit cancelled')); } }, 'Cancel'));
    document.body.append(dlg);
    dlg.showModal();
  });
}
