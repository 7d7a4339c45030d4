// vite.config.ts — the web app (web/) and its dev/preview servers. Both serve COOP/COEP so the
// page is crossOriginIsolated: SharedArrayBuffer and shared WebAssembly.Memory need it.
import { defineConfig, type Plugin } from 'vite';

const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The guest images under /images/ are compressed already (a bzImage, a gzipped cpio). `vite preview`
 * gzips every response it takes for text, and a kernel file has no extension, so it was served as
 * text/plain and gzipped again at each request: 0.3 s of CPU for debian's 8 MB kernel, taken from
 * the page's own machine at the moment its VM starts. They are served as they are.
 */
const imagesAsTheyAre: Plugin = {
  name: 'wasmvirt-images-as-they-are',
  configurePreviewServer(server) {
    server.middlewares.use((req, _res, next) => {
      if (req.url?.startsWith('/images/')) delete req.headers['accept-encoding'];
      next();
    });
  },
};

export default defineConfig({
  root: 'web',
  plugins: [imagesAsTheyAre],
  publicDir: '../public',
  server: { headers: crossOriginIsolation, host: '127.0.0.1', port: 5173, strictPort: false, fs: { allow: ['..'] } },
  preview: { headers: crossOriginIsolation, host: '127.0.0.1', port: 4173, strictPort: false },
  // the page's bundle is xterm.js plus the whole management layer (about 650 kB, loaded once)
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  worker: { format: 'es' },
});
