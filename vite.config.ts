// vite.config.ts — the web app (web/) and its dev/preview servers. Both serve COOP/COEP so the
// page is crossOriginIsolated: SharedArrayBuffer and shared WebAssembly.Memory need it.
import { defineConfig } from 'vite';

const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  root: 'web',
  publicDir: '../public',
  server: { headers: crossOriginIsolation, host: '127.0.0.1', port: 5173, strictPort: false, fs: { allow: ['..'] } },
  preview: { headers: crossOriginIsolation, host: '127.0.0.1', port: 4173, strictPort: false },
  // the page's bundle is xterm.js plus the whole management layer (about 650 kB, loaded once)
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  worker: { format: 'es' },
});
