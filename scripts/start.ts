// start.ts — `npm start [-- --port N] [-- --host H] [-- --dev]`: build what is missing (core.wasm; the
// default VM's guest image, which `npm run images -- debian` makes from Debian packages), build the web
// app and serve it with COOP/COEP (scripts/serve-app.ts: `vite preview` of the production build, or
// with --dev, as `npm run dev` does, vite's dev server), and print its URL and the URL that boots the
// default VM and shows its console. Ctrl-C stops it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_VM } from '../web/src/templates.js';
import { serveApp } from './serve-app.js';

const root = new URL('..', import.meta.url).pathname;
/** The port tried first; the next free one is taken if it is in use. */
const DEFAULT_PORT = 5173;
const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, dev: { type: 'boolean' } } });
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-core.ts'], { cwd: root, stdio: 'inherit' });
ensureDefaultImage();

const server = await serveApp({ dev: values.dev, port: Number(values.port ?? DEFAULT_PORT), host: values.host, logLevel: 'warn' });
process.stdout.write(`  ➜  wasmvirt (${values.dev ? 'dev server' : 'production build'}): ${server.url}\n`);
process.stdout.write(`  ➜  Default VM: ${server.url}?vm=${DEFAULT_VM.name}&console  (boots it and shows its console)\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void server.close().then(() => process.exit(0)));

/** The default VM's image, built once (a minute or two: Debian packages are downloaded). */
function ensureDefaultImage(): void {
  if (existsSync(`${root}public/images/${DEFAULT_VM.template}/manifest.json`)) return;
  process.stdout.write(`wasmvirt: building the guest image '${DEFAULT_VM.template}' for the default VM (npm run images -- ${DEFAULT_VM.template})\n`);
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/images/build.ts', DEFAULT_VM.template], { cwd: root, stdio: 'inherit' });
  } catch {
    process.stdout.write('wasmvirt: the guest image could not be built (see above); the app starts without a default VM\n');
  }
}
