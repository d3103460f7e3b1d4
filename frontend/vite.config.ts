import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `make dev` runs the Flask app on :8080; Vite serves the React app with hot reload.
const apiTarget = process.env.API_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true },
  server: {
    port: 5173,
    proxy: { "/api": { target: apiTarget, changeOrigin: true } },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}", "scripts/**/*.test.ts"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
    // A loaded 2-core machine takes up to ~5 s for the longest jsdom tests (5 s is the default).
    testTimeout: 20_000,
  },
});
