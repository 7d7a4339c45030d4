// start.ts — `npm start [-- --port N] [-- --host H]`: build what is missing (core.wasm), then serve
// the web app with COOP/COEP (vite's dev server, vite.config.ts) and print its URL and the URL that
// boots the default VM and shows its console. Ctrl-C stops it.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createServer } from 'vite';
import { DEFAULT_VM } from '../web/src/templates.js';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-core.ts'], { cwd: root, stdio: 'inherit' });

const server = await createServer({
  configFile: `${root}vite.config.ts`,
  server: { ...(values.port ? { port: Number(values.port) } : {}), ...(values.host ? { host: values.host } : {}) },
});
await server.listen();
server.printUrls();
const base = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${server.config.server.port}/`;
process.stdout.write(`  ➜  Default VM: ${base}?vm=${DEFAULT_VM.name}&console  (boots it and shows its console)\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void server.close().then(() => process.exit(0)));
