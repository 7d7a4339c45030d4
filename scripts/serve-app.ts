// serve-app.ts — serves the web app with COOP/COEP (vite.config.ts) for `npm start` and the ui bench:
// by default the production build (built now into dist/web, then `vite preview`), which is the app as
// shipped: its modules are bundled, so nothing is compiled on this machine while VMs run. `dev: true`
// serves vite's dev server instead (`npm run dev`, for working on the app): it transforms each module
// on its first request (a VM worker's whole module graph at the first VM start, taking CPU from the
// page on a small host) and its on-demand dependency optimisation can reload a page, ending its VMs.
import { build, createServer, preview } from 'vite';

const CONFIG = new URL('../vite.config.ts', import.meta.url).pathname;

export interface ServedApp {
  /** The app's URL, ending in '/'. */
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  dev?: boolean;
  port?: number;
  host?: string;
  /** Passed to vite (default 'error': only failures are printed). */
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
}

export async function serveApp(o: ServeOptions = {}): Promise<ServedApp> {
  const logLevel = o.logLevel ?? 'error';
  const listen = { ...(o.port ? { port: o.port } : {}), ...(o.host ? { host: o.host } : {}) };
  if (o.dev) {
    const server = await createServer({ configFile: CONFIG, logLevel, server: listen });
    await server.listen();
    return { url: server.resolvedUrls!.local[0]!, close: () => server.close() };
  }
  await build({ configFile: CONFIG, logLevel });
  const server = await preview({ configFile: CONFIG, logLevel, preview: listen });
  return { url: server.resolvedUrls!.local[0]!, close: () => server.close() };
}
