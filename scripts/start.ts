// start.ts — `npm start [-- --port N] [-- --host H]`: build what is missing (core.wasm; the default
// VM's guest image, which `npm run images -- debian` makes from Debian packages), then serve the
// web app with COOP/COEP (vite's dev server, vite.config.ts) and print its URL and the URL that
// boots the default VM and shows its console. Ctrl-C stops it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createServer } from 'vite';
import { DEFAULT_VM } from '../web/src/templates.js';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-core.ts'], { cwd: root, stdio: 'inherit' });
ensureDefaultImage();

const server = await createServer({
  configFile: `${root}vite.config.ts`,
  server: { ...(values.port ? { port: Number(values.port) } : {}), ...(values.host ? { host: values.host } : {}) },
});
await server.listen();
server.printUrls();
const base = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${server.config.server.port}/`;
process.stdout.write(`  ➜  Default VM: ${base}?vm=${DEFAULT_VM.name}&console  (boots it and shows its console)\n`);
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
