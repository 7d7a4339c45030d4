// main.ts — the page's entry. For now: the smoke path — start a Web Worker that instantiates
// core.wasm on a shared memory and print what it reports into an xterm.js terminal.
import '@xterm/xterm/css/xterm.css';
import './style.css';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import coreUrl from '../../build/core.wasm?url';
import type { SmokeReply, SmokeRequest } from '../../src/worker/smoke-protocol.js';

const status = document.getElementById('status')!;
const term = new Terminal({ lineHeight: 1.2, convertEol: true, scrollback: 5000 });
const fit = new FitAddon();
term.loadAddon(fit);
term.open(document.getElementById('terminal')!);
fit.fit();
addEventListener('resize', () => fit.fit());

async function smoke(): Promise<void> {
  term.writeln(`wasmvirt: crossOriginIsolated=${globalThis.crossOriginIsolated}`);
  const module = await WebAssembly.compileStreaming(fetch(coreUrl));
  const worker = new Worker(new URL('../../src/worker/smoke-web.ts', import.meta.url), { type: 'module' });
  const reply = await new Promise<SmokeReply>((resolve) => {
    worker.onmessage = (ev: MessageEvent<SmokeReply>) => resolve(ev.data);
    worker.postMessage({ module, poolMiB: 64 } satisfies SmokeRequest);
  });
  worker.terminate();
  if (reply.ok) {
    term.writeln(`wasmvirt core ${reply.version} running in a Web Worker (shared pool ${reply.poolBytes} bytes)`);
    status.textContent = `core ${reply.version}`;
  } else {
    term.writeln(`core failed: ${reply.error}`);
    status.textContent = 'core failed';
  }
}

smoke().catch((e) => term.writeln(`error: ${e}`));
