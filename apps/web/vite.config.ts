import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Dev server: `npm run dev -w @rvi/web` proxies /api to a running `rvi serve` (RVI_API, default http://127.0.0.1:8080).
const api = process.env.RVI_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
  preview: { proxy: { '/api': { target: api, changeOrigin: false } } },
  build: {
    outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600,
    // a second, lightweight entry: the on-site camera page (phones, AR glasses) loads no React and no console code
    rollupOptions: { input: { main: fileURLToPath(new URL('index.html', import.meta.url)), camera: fileURLToPath(new URL('camera.html', import.meta.url)) } },
  },
});
