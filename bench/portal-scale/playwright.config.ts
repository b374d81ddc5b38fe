import { defineConfig } from '@playwright/test';

/**
 * The page-at-scale measurement (bench/portal-scale/run.sh), with room for setting up 300 services and 300
 * feature branches. `make test` runs the root config only; the browser, its flags and the viewport are the
 * root config's (playwright.config.ts), repeated here.
 */
export default defineConfig({
  testDir: __dirname,
  testMatch: 'pageScale.spec.ts',
  timeout: 60 * 60_000,
  expect: { timeout: 30_000 },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  outputDir: '../../node_modules/.cache/portal-scale-results',
  use: {
    baseURL: process.env.PLAYWRIGHT_URL ?? 'http://localhost:3000',
    screenshot: 'only-on-failure',
    viewport: { width: 1440, height: 900 },
    actionTimeout: 60_000,
    navigationTimeout: 180_000,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
