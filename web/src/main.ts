// main.ts — the page's entry: open the session (libvirt twin over IndexedDB and Web Workers) and
// start the application shell. A failure to start is shown on the page, not only in the console.
import './style.css';
import { Session } from './session.js';
import { startApp } from './app.js';

const root = document.getElementById('app')!;
const status = document.getElementById('status')!;

Session.open()
  .then((session) => {
    status.textContent = `core ${session.host.coreVersion} · ${session.conn.uri}`;
    status.dataset.ready = 'true';
    startApp(root, session);
    (globalThis as { wasmvirt?: Session }).wasmvirt = session; // for the console and tests
  })
  .catch((e: unknown) => {
    status.textContent = 'failed to start';
    root.textContent = `wasmvirt could not start: ${e instanceof Error ? e.message : String(e)}`;
    root.className = 'fatal';
  });
