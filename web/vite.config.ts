// The console's build: `vite build --config web/vite.config.ts` (run by scripts/build.mjs), served
// by the server at /console/ (src/api/console.ts).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  logLevel: "warn",
});
