import { defineConfig } from '@playwright/test';

// scripts/e2e.sh starts Meridian and the demo fleet, then runs these tests.
// Chromium is Debian's (/usr/bin/chromium): nothing is downloaded.
export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // The tests share one Meridian and one fleet, so they run one after another,
  // except the deploy test, which mostly waits for its regression window and
  // runs beside them on a service no other test touches.
  workers: 2,
  projects: [
    { name: 'deploys', testMatch: 'deploys.spec.ts', workers: 1 },
    { name: 'pages', testIgnore: 'deploys.spec.ts', workers: 1 },
  ],
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.MERIDIAN_E2E_URL ?? 'http://127.0.0.1:3300',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
