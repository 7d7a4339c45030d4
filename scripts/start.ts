// start.ts — `npm start`: build what is missing, then serve the web app with COOP/COEP (vite dev
// server; the URL is printed by vite). Ctrl-C stops it.
import { spawn, execFileSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-core.ts'], { cwd: root, stdio: 'inherit' });
const vite = spawn(process.execPath, ['node_modules/vite/bin/vite.js', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
vite.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => vite.kill(sig));
