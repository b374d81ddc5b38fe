#!/usr/bin/env node
// browser.js <app-url> <environment> <screenshot>: loads <app-url>/environments in Debian's Chromium (as the
// browser smoke test does, see playwright.config.ts) and waits for the environment to be listed.
const { chromium } = require('@playwright/test');

async function main() {
  const [appUrl, environment, screenshot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const page = await browser.newPage({
    viewport: { width: 1440, height: 900 },
  });
  const errors = [];
  page.on('pageerror', error => errors.push(error.message));
  try {
    await page.goto(`${appUrl}/environments`, { timeout: 120_000 });
    // A stock app signs in as guest: by a button on its sign-in page, or at once.
    const enter = page.getByRole('button', { name: 'Enter' });
    const link = page.getByRole('link', { name: environment, exact: true });
    await enter.or(link).first().waitFor({ timeout: 120_000 });
    if (await enter.isVisible()) await enter.click();
    await link.waitFor({ timeout: 60_000 });
    console.log(`install-test: ${appUrl}/environments lists ${environment}`);
  } catch (error) {
    console.error(`install-test: page errors: ${errors.join('\n') || 'none'}`);
    throw error;
  } finally {
    await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
    await browser.close();
  }
}

main().catch(error => {
  console.error(`install-test: ${error.message}`);
  process.exit(1);
});
