import { defineConfig } from '@playwright/test';

// scripts/e2e.sh starts Meridian and the demo fleet, then runs these tests.
// Chromium is Debian's (/usr/bin/chromium): nothing is downloaded.
export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
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
