// The conformance suite's runner lives under node_modules, which vitest excludes by default.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['node_modules/@durable-streams/server-conformance-tests/dist/test-runner.js'],
    exclude: [],
    testTimeout: 30000,
  },
});
