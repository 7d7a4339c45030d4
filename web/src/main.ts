// main.ts — the page's entry: open the session (libvirt twin over IndexedDB and Web Workers) and
// start the application shell (a deep link to a VM's console also boots it). A failure to start
// is shown on the page, not only in the console.
import './style.css';
import { Session } from './session.js';
import { startApp } from './app.js';
import { showError } from './dom.js';
import { DomainState } from '../../src/virt/driver/states.js';

const root = document.getElementById('app')!;
const status = document.getElementById('status')!;

Session.open()
  .then((session) => {
    status.textContent = `core ${session.host.coreVersion} · ${session.conn.uri}`;
    status.dataset.ready = 'true';
    startApp(root, session);
    (globalThis as { wasmvirt?: Session }).wasmvirt = session; // for the console and tests
    startFromDeepLink(session);
  })
  .catch((e: unknown) => {
    status.textContent = 'failed to start';
    root.textContent = `wasmvirt could not start: ${e instanceof Error ? e.message : String(e)}`;
    root.className = 'fatal';
  });

/** `/?vm=NAME&console` (the link `npm start` prints) boots the VM if it is shut off. */
function startFromDeepLink(session: Session): void {
  const q = new URLSearchParams(location.search);
  const name = q.get('vm');
  if (!name || !q.has('console') || location.hash) return;
  const dom = session.conn.domains.list().find((d) => d.name === name);
  if (dom && dom.state === DomainState.Shutoff) session.conn.domains.start(dom).catch(showError);
}
