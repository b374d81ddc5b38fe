import { test, expect, Page } from '@playwright/test';
import path from 'node:path';

// A test run writes its screenshots to a git-ignored folder; `make screenshots` points this at docs/screenshots.
const screenshots = path.resolve(
  process.env.ENVMESH_SCREENSHOTS ??
    path.resolve(__dirname, '../../../.local/screenshots'),
);

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

/**
 * The whole page in one screenshot: the viewport made as tall as the page (a full-page screenshot would leave
 * the fixed sidebar halfway down), with transitions such as the progress bar's run to their end.
 */
async function tallScreenshot(name: string) {
  const viewport = page.viewportSize()!;
  const height = await page.evaluate(
    () => document.documentElement.scrollHeight,
  );
  await page.setViewportSize({
    width: viewport.width,
    height: Math.max(viewport.height, height),
  });
  await page.screenshot({
    path: path.join(screenshots, name),
    animations: 'disabled',
  });
  await page.setViewportSize(viewport);
}

test('the portal home shows the catalog with the example components', async () => {
  await expect(page.getByRole('link', { name: 'Demo API' })).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Config Service' }),
  ).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'home.png') });
});

test('a catalog entity page shows the component and where it runs', async () => {
  await page.getByRole('link', { name: 'Demo API' }).click();
  await expect(page).toHaveURL(/\/catalog\/default\/component\/demo-api/);
  await expect(page.getByText('Public shop API').first()).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Demo Shop' }).first(),
  ).toBeVisible();
  // The overview's Environments card (EntityEnvironmentsCard): demo-dev, linking to its page.
  const card = page
    .locator('[class*="MuiCard-root"]')
    .filter({ has: page.getByRole('list', { name: 'Environments' }) })
    .last();
  await expect(card.getByRole('link', { name: 'demo-dev' })).toHaveAttribute(
    'href',
    '/environments/demo-dev',
  );
  await page.screenshot({ path: path.join(screenshots, 'catalog-entity.png') });
  await card.screenshot({ path: path.join(screenshots, 'entity-card.png') });
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

/** Ready/total replicas per service of demo-dev, as examples/environments/demo-dev.yaml declares them. */
const demoDevReplicas: Record<string, number> = {
  'config-service': 1,
  'demo-api': 1,
  'demo-orders': 1,
  'demo-payments': 2,
  'demo-ui': 1,
};

/**
 * On an environment page: edits its global values (YAML), previews the diff (Save waits for it) and saves;
 * the started update's id and its progress bar, followed live by the operations card.
 */
async function saveGlobalValues(edit: (yaml: string) => string) {
  const values = page.getByLabel('Global values (YAML)');
  await expect(values).toHaveValue(/LOG_LEVEL: \w+/);
  await values.fill(edit(await values.inputValue()));
  const save = page.getByRole('button', { name: 'Save', exact: true });
  // Save waits for a preview of the text as it is now.
  await expect(save).toBeDisabled();
  await page.getByRole('button', { name: 'Preview diff' }).click();
  // The diff names the Deployments whose env changes.
  await expect(
    page
      .getByRole('list', { name: 'Changes' })
      .getByText(/Deployment/)
      .first(),
  ).toBeVisible();
  await save.click();
  const started = page.getByText(/Started operation (\S+)\./);
  await expect(started).toBeVisible();
  const id = (await started.textContent())!.match(
    /Started operation (\S+)\./,
  )![1];
  const progress = page.getByRole('progressbar', {
    name: `Operation ${id} progress`,
  });
  await expect(progress).toBeVisible();
  await expect(progress).toHaveAttribute('aria-valuenow', '100', {
    timeout: 120_000,
  });
  return id;
}

test('an environment page shows its services ready and saves a global value through an operation', async () => {
  await page.getByRole('link', { name: 'demo-dev' }).first().click();
  await expect(page).toHaveURL(/\/environments\/demo-dev$/);
  await expect(page.getByText('Services (5)')).toBeVisible();
  for (const [service, replicas] of Object.entries(demoDevReplicas)) {
    const row = page.getByRole('row').filter({
      has: page.getByRole('cell', { name: service, exact: true }),
    });
    await expect(row).toContainText(`${replicas}/${replicas}`);
  }

  await expect(page.getByLabel('Global values (YAML)')).toHaveValue(
    /LOG_LEVEL: info/,
  );
  // The operations card follows the update live, without a reload, until its bar is full.
  await saveGlobalValues(yaml =>
    yaml.replace('LOG_LEVEL: info', 'LOG_LEVEL: warn'),
  );
  await expect(
    page.getByText(/^update succeeded: (\d+)\/\1 steps/),
  ).toBeVisible();
  const newest = page
    .getByRole('list', { name: 'Recent operations' })
    .getByRole('listitem')
    .first();
  await expect(newest).toContainText('update by');
  await expect(newest).toContainText('succeeded');
  await tallScreenshot('environment.png');
});

test("a component's Environments tab shows where it runs", async () => {
  await page.goto('/catalog/default/component/demo-api/environments');
  await expect(page.getByText('demo-dev').first()).toBeVisible();
  await page.screenshot({
    path: path.join(screenshots, 'entity-environments.png'),
  });
});

test('the feature branch page shows the seeded feature, its preview URL and routing', async () => {
  await page.goto('/feature-branches');
  await expect(async () => {
    await page.reload();
    await expect(
      page.getByRole('row', { name: /feature-31337/ }).getByText('2/2'),
    ).toBeVisible({ timeout: 3000 });
  }).toPass({ timeout: 180_000 });
  await page.screenshot({
    path: path.join(screenshots, 'feature-branches.png'),
  });
  await page.getByRole('link', { name: 'feature-31337' }).first().click();
  await expect(page).toHaveURL(/\/feature-branches\/feature-31337$/);
  // The preview URL entry points at the feature's preview host; nothing outside 127.0.0.1 is opened.
  await expect(
    page.getByRole('link', { name: 'https://feature-31337.demo.net/' }),
  ).toHaveAttribute('href', 'https://feature-31337.demo.net/');
  await expect(page.getByText('demo-api → feature-31337')).toBeVisible();
  await expect(page.getByText('demo-orders → default')).toBeVisible();
  // The pre-flight beside "Trace a request": from the preview service, along the catalog's call graph.
  const reachability = page
    .locator('.MuiCard-root')
    .filter({ hasText: 'Will a request reach the feature?' });
  await expect(
    reachability.getByText(
      /instance\(s\) of feature-31337 reachable from demo-ui/,
    ),
  ).toBeVisible();
  await expect(
    reachability.getByRole('cell', { name: 'demo-api' }),
  ).toBeVisible();
  await reachability.screenshot({
    path: path.join(screenshots, 'feature-reachability.png'),
  });
  await tallScreenshot('feature-branch.png');
});

test('a feature branch falls behind its base with a global value change, and one redeploy brings it onto it', async () => {
  test.setTimeout(300_000);
  // Its own change of the base, so the feature branch is behind whenever it was deployed.
  await page.goto('/environments/demo-dev');
  // A value every service takes (demo-api overrides LOG_LEVEL with its own).
  await saveGlobalValues(yaml =>
    yaml.replace(/TRACING_ENABLED: \S+/, "TRACING_ENABLED: 'false'"),
  );

  await page.goto('/feature-branches/feature-31337');
  const behind = page.getByRole('list', { name: 'Behind base' });
  for (const service of ['demo-api', 'demo-ui']) {
    await expect(
      behind.getByRole('listitem').filter({ hasText: service }),
    ).toContainText(/deployed on revision \d+, base now revision \d+/);
  }
  await tallScreenshot('feature-branch-behind-base.png');

  await page
    .getByRole('button', { name: 'Redeploy onto current base' })
    .click();
  const progress = page.getByRole('progressbar', {
    name: /^Operation \S+ progress$/,
  });
  await expect(progress).toHaveAttribute('aria-valuenow', '100', {
    timeout: 120_000,
  });
  await expect(behind).toHaveCount(0);
  await expect(page.getByText('demo-api → feature-31337')).toBeVisible();
});

test('"Create from file" takes an exported environment document', async () => {
  await page.goto('/environments');
  await page.getByRole('button', { name: 'Create from file' }).click();
  const dialog = page.getByRole('dialog');
  await dialog
    .getByLabel('Environment document')
    .fill('apiVersion: envmesh.io/v1alpha1\nkind: Component\n');
  await expect(dialog.getByText(/Not an exported environment/)).toBeVisible();
  await dialog.screenshot({
    path: path.join(screenshots, 'create-from-file.png'),
  });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
});

test('the "Feature branch" template deploys a feature branch and ends on its page', async () => {
  await page.goto('/create/templates/default/envmesh-feature-branch');
  // The base environment defaults to demo-dev, picked from the catalog's environment Resources.
  await expect(page.getByLabel('Base environment')).toHaveValue(/demo-dev/);
  // Feature name stays empty: the deploy names the feature from the branch as a push would.
  await page
    .getByRole('textbox', { name: 'Branch', exact: true })
    .fill('feature/checkout-e2e');
  await expect(
    page.getByRole('textbox', { name: /^Feature name/ }),
  ).toHaveValue('');
  await page.getByRole('button', { name: 'Next' }).click();

  // The services picker lists what the base environment runs, read from envmesh.
  await expect(
    page.getByText(/\(services of environment demo-dev\)/),
  ).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'demo-api' })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'demo-ui' })).toBeVisible();
  await page.getByRole('checkbox', { name: 'demo-orders' }).check();
  await page.getByRole('spinbutton', { name: /^Time to live/ }).fill('2');
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.getByText('feature/checkout-e2e').first()).toBeVisible();
  await page.getByRole('button', { name: 'Create' }).click();

  // The task log follows the deploy operation; its output links to the feature branch page.
  const open = page.getByRole('link', { name: 'Open feature branch' });
  await expect(open).toBeVisible({ timeout: 180_000 });
  await page.screenshot({ path: path.join(screenshots, 'template-run.png') });
  // An absolute URL: the portal opens it in a new tab.
  const [featurePage] = await Promise.all([
    page.context().waitForEvent('page'),
    open.click(),
  ]);
  await expect(featurePage).toHaveURL(/\/feature-branches\/checkout-e2e$/);
  await expect(featurePage.getByText('demo-api → checkout-e2e')).toBeVisible();
  await expect(
    featurePage.getByText('demo-orders → checkout-e2e'),
  ).toBeVisible();
  await expect(featurePage.getByText('demo-ui → default')).toBeVisible();
  await featurePage.close();
});

test('portal search finds the environment', async () => {
  // The envmesh collator's document, not the catalog's demo-dev Resource: it links to the environment page
  // and its list item carries the envmesh type label.
  const envmeshResult = page
    .getByRole('listitem')
    .filter({ has: page.locator('a[href="/environments/demo-dev"]') });
  await expect(async () => {
    await page.goto('/search?query=demo-dev');
    await expect(envmeshResult.first()).toBeVisible({ timeout: 5000 });
  }).toPass({ timeout: 180_000 });
  await expect(
    envmeshResult.first().getByRole('link', { name: 'demo-dev', exact: true }),
  ).toBeVisible();
  await expect(
    envmeshResult.first().getByText('Type: Environment'),
  ).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'search.png') });
});

test('the environment page edits a sleep schedule and shows what the environment cost', async () => {
  await page.goto('/environments/demo-dev');
  const lifecycle = page.locator('.MuiCard-root', {
    has: page.getByText('Sleep and recycling'),
  });
  await lifecycle.getByRole('button', { name: 'Add a schedule' }).click();
  // A window that opens in twelve hours and lasts one, so that the portal's lifecycle task leaves the
  // environment awake for the checks after this one.
  const opens = (new Date().getUTCHours() + 12) % 24;
  await lifecycle.getByLabel('Time zone').fill('UTC');
  await lifecycle.getByLabel('Sleep at (cron)').fill(`0 ${opens} * * *`);
  await lifecycle
    .getByLabel('Wake at (cron)')
    .fill(`0 ${(opens + 1) % 24} * * *`);
  await expect(
    lifecycle.getByText(`At ${String(opens).padStart(2, '0')}:00`),
  ).toBeVisible();
  await lifecycle.scrollIntoViewIfNeeded();
  await lifecycle.screenshot({
    path: path.join(screenshots, 'sleep-schedule.png'),
  });
  await lifecycle.getByRole('button', { name: 'Save schedule' }).click();
  await expect(lifecycle.getByText('1 window(s), UTC')).toBeVisible();
  await expect(lifecycle.getByText(/sleeps at .* \(schedule\)/)).toBeVisible();
  await lifecycle.getByRole('button', { name: 'Remove schedule' }).click();
  await expect(lifecycle.getByText('none', { exact: true })).toBeVisible();

  const cost = page.locator('.MuiCard-root', {
    has: page.getByText('The last 7 days'),
  });
  await expect(cost.getByRole('img', { name: 'Cost per day' })).toBeVisible();
  await cost.screenshot({ path: path.join(screenshots, 'cost-card.png') });
});

test('an environment is put to sleep and woken from its page, and the list shows it asleep', async () => {
  const newestOperation = () =>
    page
      .getByRole('list', { name: 'Recent operations' })
      .getByRole('listitem')
      .first();
  await page.goto('/environments/demo-dev');
  await page.getByRole('button', { name: 'Sleep', exact: true }).click();
  await expect(
    page.getByRole('button', { name: 'Wake', exact: true }),
  ).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(newestOperation()).toContainText('sleep by', {
      timeout: 3000,
    });
    await expect(newestOperation()).toContainText('succeeded', {
      timeout: 3000,
    });
  }).toPass({ timeout: 120_000 });

  await page.goto('/environments');
  const row = page.getByRole('row', { name: /demo-dev/ });
  await expect(row.getByText('asleep')).toBeVisible();
  await page.screenshot({
    path: path.join(screenshots, 'environments-asleep.png'),
  });

  await page.getByRole('link', { name: 'demo-dev' }).first().click();
  await page.getByRole('button', { name: 'Wake', exact: true }).click();
  // The button turns once the wake is accepted; a reload before that would abort the request.
  await expect(
    page.getByRole('button', { name: 'Sleep', exact: true }),
  ).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(newestOperation()).toContainText('wake by', {
      timeout: 3000,
    });
    await expect(newestOperation()).toContainText('succeeded', {
      timeout: 3000,
    });
  }).toPass({ timeout: 120_000 });
  await page.goto('/environments');
  await expect(
    page.getByRole('row', { name: /demo-dev/ }).getByText('5/5'),
  ).toBeVisible();
});
