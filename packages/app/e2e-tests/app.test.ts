import { test, expect, Page } from '@playwright/test';
import path from 'node:path';

const screenshots = path.resolve(__dirname, '../../../docs/screenshots');

// One guest sign-in, then every check on the same page, as a person would click through the portal.
test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
  await expect(
    page.getByRole('link', { name: 'Catalog' }).first(),
  ).toBeVisible();
});

test.afterAll(async () => {
  await page.close();
});

test('the portal home shows the catalog with the example components', async () => {
  await expect(page.getByRole('link', { name: 'Demo API' })).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Config Service' }),
  ).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'home.png') });
});

test('a catalog entity page shows the component', async () => {
  await page.getByRole('link', { name: 'Demo API' }).click();
  await expect(page).toHaveURL(/\/catalog\/default\/component\/demo-api/);
  await expect(page.getByText('Public shop API').first()).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Demo Shop' }).first(),
  ).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'catalog-entity.png') });
});

test('the environments page lists the seeded example environment and the local cluster', async () => {
  await page.getByRole('link', { name: 'Environments' }).first().click();
  await expect(page).toHaveURL(/\/environments/);
  await expect(page.getByText('demo-dev').first()).toBeVisible();
  await expect(page.getByText('v1.36.3').first()).toBeVisible();
  // The seed's create operation rolls the five services out on the local cluster; the page shows them ready.
  await expect(async () => {
    await page.reload();
    await expect(page.getByText('5/5')).toBeVisible({ timeout: 3000 });
  }).toPass({ timeout: 120_000 });
  await page.screenshot({ path: path.join(screenshots, 'environments.png') });
});
