import { test, expect, Page } from '@playwright/test';
import path from 'node:path';

const screenshots = path.resolve(__dirname, '../../../docs/screenshots');

async function signIn(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
  await expect(
    page.getByRole('navigation', { name: 'sidebar nav' }),
  ).toBeVisible();
}

test('the portal home shows the catalog with the example components', async ({
  page,
}) => {
  await signIn(page);
  await expect(page.getByRole('link', { name: 'demo-api' })).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'home.png') });
});

test('a catalog entity page shows the component', async ({ page }) => {
  await signIn(page);
  await page.goto('/catalog/default/component/demo-api');
  await expect(
    page.getByRole('heading', { name: 'demo-api' }).first(),
  ).toBeVisible();
  await expect(page.getByText('demo-shop').first()).toBeVisible();
  await page.screenshot({
    path: path.join(screenshots, 'catalog-entity.png'),
  });
});

test('the environments page lists the local cluster', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Environments' }).click();
  await expect(page).toHaveURL(/\/environments/);
  await expect(page.getByText('local').first()).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'environments.png') });
});
