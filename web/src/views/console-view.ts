// console-view.ts — the serial console of a running VM in xterm.js: fitted to the panel, with
// scrollback and copy/paste, "Send key" for Ctrl-Alt-Del (a reboot request) and Ctrl-C, reconnectable after switching
// tabs (the host keeps a backlog, replayed on attach). When the VM is not running it says so and
// attaches by itself once it starts.
import { h, clear } from '../dom.js';
import { openTerminal, type FittedTerminal } from '../widgets/term.js';
import type { Session } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';
import type { ConsoleStream } from '../../../src/virt/hypervisor.js';

export function consoleTab(el: HTMLElement, session: Session, dom: DomainObj): () => void {
  const status = h('div', { class: 'muted', 'data-testid': 'console-status' });
  const keys = h('select', { 'data-testid': 'send-key', onchange: () => sendKey() },
    h('option', { value: '' }, 'Send key…'), h('option', { value: 'cad' }, 'Ctrl+Alt+Del'),
    h('option', { value: 'ctrlc' }, 'Ctrl+C'));
  const box = h('div', { class: 'console', 'data-testid': 'console' });
  el.append(h('div', { class: 'toolbar' }, keys, status), box);
  const t: FittedTerminal = openTerminal(box);
  let stream: ConsoleStream | undefined;
  let unlisten: (() => void) | undefined;
  let attachedTo: unknown;

  const attach = () => {
    if (!dom.isActive() || !dom.vm) {
      status.textContent = 'The VM is not running: start it to see its console.';
      attachedTo = undefined;
      return;
    }
    if (attachedTo === dom.vm) return;
    detach();
    attachedTo = dom.vm;
    stream = dom.vm.openConsole('serial0');
    unlisten = stream.onData((bytes) => t.term.write(bytes));
    status.textContent = 'Connected to serial0';
    t.term.focus();
  };
  const detach = () => {
    unlisten?.();
    stream?.close();
    stream = undefined;
  };
  const input = t.term.onData((data) => stream?.write(new TextEncoder().encode(data)));
  const sendKey = () => {
    const v = (keys as HTMLSelectElement).value;
    (keys as HTMLSelectElement).value = '';
    if (v === 'cad' && dom.vm) void dom.vm.reboot(); // the pc machine turns Ctrl-Alt-Del into a reset request
    if (v === 'ctrlc') stream?.write(Uint8Array.of(3));
  };
  attach();
  const unsub = session.subscribe(attach);
  return () => { unsub(); input.dispose(); detach(); t.dispose(); clear(el); };
}
