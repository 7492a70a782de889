// The console is plain static files: index.html plus content-hashed JS and CSS under assets/.
// The collector serves them with a CSP that forbids inline script and style, so nothing may be
// inlined (assetsInlineLimit 0, no module-preload polyfill).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: process.env.MAMORI_CONSOLE_OUT || 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2021',
  },
});
