/* eslint-disable no-console */
import { test, expect, Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineInfo } from '../lib/machine';
import { fmt, formatLoad, machineLines, say, writeReport } from '../lib/report';
import { generateServices, serviceName } from '../lib/services';

/*
 * The page at scale (issue 18, item 4), run by bench/portal-scale/run.sh against a portal it started: one
 * environment with LARGE services and LARGE feature branches of it, against one with SMALL services and the
 * first SMALL feature branches (the list measured before the rest are created), all set up through the API.
 * Per page, size, front end (the dev server's development build, and the production build the backend
 * serves when packages/app/dist exists) and navigation (a reload, an in-app route change) it loads the page
 * LOADS times after one warm-up load and takes from Chromium's clock (performance.now()) when the table
 * shows its first row with its live status, and when a search typed into the table's filter right after
 * shows the one row it matches. It reports medians; nothing is asserted on time.
 */

const LARGE = Number(process.env.PORTAL_SCALE_LARGE ?? 300);
const SMALL = Number(process.env.PORTAL_SCALE_SMALL ?? 30);
const LOADS = Number(process.env.PORTAL_SCALE_LOADS ?? 5);
const TARGET_MS = 1500;
const OUT = path.resolve(
  process.env.PORTAL_SCALE_OUT ?? path.join(__dirname, 'results.md'),
);
const BACKEND = process.env.PORTAL_BACKEND_URL ?? 'http://localhost:7007';
const DEV_SERVER = process.env.PLAYWRIGHT_URL ?? 'http://localhost:3000';
const SERVICES_DIR = process.env.PORTAL_SCALE_SERVICES_DIR ?? '';
const API = `${BACKEND}/api/environments`;
const OWNER = 'group:default/platform-team';
// Named by size, so a second run against the same portal (a smoke run, say) does not meet the first's.
const SMALL_ENV = `scale-${SMALL}`;
const LARGE_ENV = `scale-${LARGE}`;

test.describe.configure({ mode: 'serial' });

const featureName = (i: number) => `fb-${String(i).padStart(4, '0')}`;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// ---------------------------------------------------------------- set-up through the API

let token = '';

async function api<T>(method: string, route: string, body?: unknown) {
  const response = await fetch(`${API}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${route}: ${response.status} ${text}`);
  }
  return JSON.parse(text) as T;
}

/** A guest's Backstage token, as the portal's sign-in page gets it. */
async function guestToken() {
  const response = await fetch(`${BACKEND}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  if (!response.ok) throw new Error(`guest sign-in: ${response.status}`);
  const body = (await response.json()) as {
    backstageIdentity: { token: string };
  };
  return body.backstageIdentity.token;
}

interface Operation {
  id: string;
  state: string;
  error?: string;
}

async function waitOperation(id: string, limitMs = 15 * 60_000) {
  const until = Date.now() + limitMs;
  for (;;) {
    const op = await api<Operation>('GET', `/operations/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(op.state)) return op;
    if (Date.now() > until)
      throw new Error(`operation ${id} still ${op.state}`);
    await sleep(1000);
  }
}

async function createEnvironment(name: string, services: number) {
  const started = Date.now();
  // A second run against the same portal (a smoke run while changing this file) keeps the first's.
  const existing = await fetch(`${API}/environments/${name}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (existing.ok) {
    say(`${name} exists already`);
    return;
  }
  const op = await api<Operation>('POST', '/environments', {
    name,
    cluster: 'local',
    namespace: name,
    owner: OWNER,
    description: `portal-scale bench: ${services} services`,
    globalValues: { env: { LOG_LEVEL: 'info' } },
    services: Array.from({ length: services }, (_, i) => ({
      name: serviceName(i + 1),
    })),
  });
  const done = await waitOperation(op.id);
  if (done.state !== 'succeeded') {
    throw new Error(`create ${name}: ${done.state} ${done.error ?? ''}`);
  }
  say(
    `${name}: ${services} services ready in ${fmt(
      (Date.now() - started) / 1000,
    )} s`,
  );
}

interface FeatureList {
  items: { name: string; instances: { state: string }[] }[];
}

/** Feature branches fb-(from)..fb-(to) of the large environment, one instance each; waits for them all ready. */
async function createFeatures(from: number, to: number) {
  const started = Date.now();
  const queue = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  // A few requests at a time: the deploys themselves queue in the backend.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        await api('POST', '/features', {
          name: featureName(i),
          environment: LARGE_ENV,
          owner: OWNER,
          description: `portal-scale bench feature ${i}`,
          ttlHours: 720,
          instances: [
            {
              service: serviceName(((i - 1) % LARGE) + 1),
              imageTag: `2.0.0-${featureName(i)}`,
            },
          ],
        });
      }
    }),
  );
  say(
    `features ${from}..${to} requested in ${fmt(
      (Date.now() - started) / 1000,
    )} s`,
  );
  const until = Date.now() + 20 * 60_000;
  let ready = 0;
  let settled = 0;
  for (;;) {
    const list = await api<FeatureList>(
      'GET',
      `/features?environment=${LARGE_ENV}`,
    );
    const ours = list.items.filter(f => /^fb-\d{4}$/.test(f.name));
    const all = (f: FeatureList['items'][number], states: string[]) =>
      f.instances.length > 0 &&
      f.instances.every(i => states.includes(i.state));
    ready = ours.filter(f => all(f, ['ready'])).length;
    settled = ours.filter(f => all(f, ['ready', 'failed'])).length;
    if (settled >= to || Date.now() > until) break;
    await sleep(3000);
  }
  say(
    `features 1..${to}: ${ready} ready, ${settled} settled, ${fmt(
      (Date.now() - started) / 1000,
    )} s`,
  );
  return ready;
}

// ---------------------------------------------------------------- measuring in the browser

type Mode = 'reload' | 'in-app';

interface Frontend {
  label: 'development' | 'production';
  origin: string;
}

interface Load {
  /** ms from the navigation's start (or the in-app route change) to the first row shown with its status. */
  rendered: number;
  /** ms from the same start until a search typed right after shows the one row it matches. */
  interactive: number;
  /** ms from typing the search to the matching row alone on screen. */
  filter: number;
  /** ms from opening the rows-per-page menu to the 100th row (or the last) shown with 100 rows a page. */
  page100?: number;
  /** Table rows in the DOM when it was rendered. */
  domRows: number;
  /** ms from the start until the last envmesh API response that the page had asked for by then. */
  api: number;
  /** The slowest of those calls: its path and ms. */
  slowest: { path: string; ms: number };
}

interface Measurement {
  page: string;
  rows: number;
  frontend: Frontend['label'];
  mode: Mode;
  loads: Load[];
  load1: number;
}

/**
 * When the page first has a table row holding every `must` text (and, for a filter, no row holding
 * `mustNot`): performance.now() then, checked on every animation frame, and how many rows `rowPattern` counts.
 */
async function whenRow(
  page: Page,
  must: string[],
  rowPattern: string,
  mustNot?: string,
) {
  const handle = await page.waitForFunction(
    ({ m, pattern, not }) => {
      const rows = [...document.querySelectorAll('tr')].filter(tr =>
        new RegExp(pattern).test(tr.textContent ?? ''),
      );
      const hit = rows.some(tr => m.every(t => tr.textContent!.includes(t)));
      const clean = !not || !rows.some(tr => tr.textContent!.includes(not));
      return hit && clean
        ? { at: performance.now(), rows: rows.length }
        : false;
    },
    { m: must, pattern: rowPattern, not: mustNot },
    { polling: 'raf', timeout: 60_000 },
  );
  return (await handle.jsonValue()) as { at: number; rows: number };
}

interface PageUnderTest {
  label: string;
  path: string;
  rows: number;
  /** Texts of the first row once its live status is shown. */
  firstRow: string[];
  /** A name to search for, and the first row's name that the search must hide. */
  search: string;
  firstName: string;
  /** The name of the 100th row (or the last, when there are fewer). */
  row100: string;
  rowPattern: string;
}

async function loadOnce(
  page: Page,
  target: PageUnderTest,
  frontend: Frontend,
  mode: Mode,
): Promise<Load> {
  let start = 0;
  if (mode === 'reload') {
    await page.goto(`${frontend.origin}${target.path}`, {
      waitUntil: 'commit',
    });
  } else {
    // Another page of the portal first, then a client-side route change, as a click on a link makes.
    await page.goto(`${frontend.origin}/settings`);
    await expect(page.getByText('Profile').first()).toBeVisible();
    start = await page.evaluate(url => {
      const t = performance.now();
      window.history.pushState({}, '', url);
      window.dispatchEvent(new PopStateEvent('popstate', { state: {} }));
      return t;
    }, target.path);
  }
  const shown = await whenRow(page, target.firstRow, target.rowPattern);
  const calls = await page.evaluate(
    ({ from, to }) =>
      performance
        .getEntriesByType('resource')
        .filter(
          e =>
            e.name.includes('/api/environments/') &&
            e.startTime >= from &&
            e.startTime <= to,
        )
        .map(e => ({
          path: new URL(e.name).pathname.replace('/api/environments', ''),
          end: (e as PerformanceResourceTiming).responseEnd,
          ms: e.duration,
        })),
    { from: start, to: shown.at },
  );
  const slowest = calls.reduce((a, b) => (b.ms > a.ms ? b : a), {
    path: '—',
    end: start,
    ms: 0,
  });
  const filter = page.getByPlaceholder('Filter').first();
  const typed = await page.evaluate(() => performance.now());
  await filter.fill(target.search);
  const filtered = await whenRow(
    page,
    [target.search],
    target.rowPattern,
    target.firstName,
  );
  // Back to all rows, then the table's largest page: 100 rows in the DOM instead of 20 (a table of 20 rows
  // or fewer has no pages).
  let page100: number | undefined;
  if (target.rows > 20) {
    await filter.fill('');
    await whenRow(page, [target.firstName], target.rowPattern);
    const opened = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: 'Rows per page: 20 rows' }).click();
    await page.getByRole('option', { name: '100', exact: true }).click();
    const hundred = await whenRow(page, [target.row100], target.rowPattern);
    page100 = hundred.at - opened;
  }
  return {
    rendered: shown.at - start,
    interactive: filtered.at - start,
    filter: filtered.at - typed,
    page100,
    domRows: shown.rows,
    api: Math.max(start, ...calls.map(c => c.end)) - start,
    slowest: { path: slowest.path, ms: slowest.ms },
  };
}

async function measure(
  page: Page,
  target: PageUnderTest,
  frontend: Frontend,
  mode: Mode,
): Promise<Measurement> {
  const load1 = os.loadavg()[0];
  await loadOnce(page, target, frontend, mode); // warm-up: caches, the dev server's first compile
  const loads: Load[] = [];
  for (let i = 0; i < LOADS; i++) {
    loads.push(await loadOnce(page, target, frontend, mode));
  }
  say(
    `${target.label} (${target.rows} rows, ${
      frontend.label
    }, ${mode}): rendered ${fmt(
      median(loads.map(l => l.rendered)),
      0,
    )} ms, interactive ${fmt(median(loads.map(l => l.interactive)), 0)} ms`,
  );
  return {
    page: target.label,
    rows: target.rows,
    frontend: frontend.label,
    mode,
    loads,
    load1,
  };
}

/** The front ends to measure: the dev server's, and the production build if the backend serves one. */
async function frontends(): Promise<Frontend[]> {
  const found: Frontend[] = [{ label: 'development', origin: DEV_SERVER }];
  const response = await fetch(`${BACKEND}/settings`).catch(() => undefined);
  if (response?.ok && /html/.test(response.headers.get('content-type') ?? '')) {
    found.push({ label: 'production', origin: BACKEND });
  }
  return found;
}

/** Signs in as a guest on the front end's origin (the session is kept per origin), as a person would. */
async function signIn(page: Page, frontend: Frontend) {
  await page.goto(`${frontend.origin}/`);
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page.getByRole('link', { name: 'Catalog' }).first(),
  ).toBeVisible();
}

// ---------------------------------------------------------------- report

function table(measurements: Measurement[]) {
  const lines = [
    '| page | rows | front end | navigation | table rendered ms | interactive ms | filter responds ms | 100 rows a page ms | API answered ms | rows in the DOM | load (1 min) |',
    '| :-- | --: | :-- | :-- | --: | --: | --: | --: | --: | --: | --: |',
  ];
  for (const m of measurements) {
    const pick = (f: (l: Load) => number) => m.loads.map(f);
    const range = (xs: number[]) =>
      `${fmt(median(xs), 0)} (${fmt(Math.min(...xs), 0)}–${fmt(
        Math.max(...xs),
        0,
      )})`;
    lines.push(
      `| ${m.page} | ${m.rows} | ${m.frontend} | ${m.mode} | ${range(
        pick(l => l.rendered),
      )} | ${range(pick(l => l.interactive))} | ${fmt(
        median(pick(l => l.filter)),
        0,
      )} | ${fmt(
        median(
          m.loads.flatMap(l => (l.page100 === undefined ? [] : [l.page100])),
        ),
        0,
      )} | ${fmt(median(pick(l => l.api)), 0)} | ${median(
        pick(l => l.domRows),
      )} | ${m.load1.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

function verdicts(measurements: Measurement[]) {
  return measurements
    .filter(m => m.page === 'environment page' && m.rows === LARGE)
    .map(m => {
      const ms = median(m.loads.map(l => l.interactive));
      return `- environment page with ${LARGE} services interactive ≤ ${TARGET_MS} ms (${
        m.frontend
      } build, ${m.mode}): ${fmt(ms, 0)} ms — ${
        ms <= TARGET_MS ? '**met**' : '**not met**'
      }`;
    });
}

/** Per measurement, the slowest envmesh API call before the table rendered, by how often it was the slowest. */
function slowestCalls(measurements: Measurement[]) {
  return measurements.map(m => {
    const byPath = new Map<string, number[]>();
    for (const l of m.loads) {
      byPath.set(l.slowest.path, [
        ...(byPath.get(l.slowest.path) ?? []),
        l.slowest.ms,
      ]);
    }
    const calls = [...byPath]
      .map(
        ([p, ms]) => `\`${p}\` ${ms.length}× (median ${fmt(median(ms), 0)} ms)`,
      )
      .join(', ');
    return `- ${m.page}, ${m.rows} rows, ${m.frontend}, ${m.mode}: ${calls}`;
  });
}

function report(
  machine: ReturnType<typeof machineInfo>,
  measurements: Measurement[],
  setup: string[],
) {
  const loads = measurements.map(m => m.load1);
  const busy = loads.some(l => l >= 1);
  return [
    '# Benchmark: the page at scale',
    '',
    'Generated by `bash bench/portal-scale/run.sh` (see `bench/README.md`): Playwright with Chromium against a',
    'portal started as `make test` starts it (local cluster, backend with SQLite, `yarn start`), measured with',
    "both front ends: **development** (the dev server's development build, React in development mode, as the",
    'browser test uses it) and **production** (`packages/app` built with `backstage-cli package build`, served by',
    "the backend's app-backend plugin, as a deployed portal serves it). Medians of the loads, with min–max.",
    '',
    table(measurements),
    '',
    `## Target (issue 18, item 4)`,
    '',
    ...verdicts(measurements),
    '',
    '## Machine',
    '',
    ...machineLines(
      machine,
      measurements.map(
        m =>
          `- load average (1 min) before ${m.page}, ${m.rows} rows, ${
            m.frontend
          }, ${m.mode}: ${m.load1.toFixed(2)}`,
      ),
    ),
    `- the 1-minute load average was ${
      busy ? '**≥ 1 while measuring**' : 'below 1 throughout'
    } (max ${fmt(
      Math.max(...loads),
      2,
    )}); the portal (backend, dev server, local cluster) and Chromium share the same CPUs${
      busy
        ? ', and other work on this machine competed with them: these are figures from a loaded machine'
        : ''
    }`,
    '',
    '## Set-up',
    '',
    ...setup.map(s => `- ${s}`),
    '',
    '## Slowest envmesh API call before the table rendered',
    '',
    ...slowestCalls(measurements),
    '',
    '## How it is measured',
    '',
    `- Each row: one warm-up load, then ${LOADS} loads.`,
    '- **reload**: `page.goto(url)`, a full navigation (the bundle comes from the browser cache after the warm-up);',
    "  times count from the navigation's start (`performance.now()` in the page).",
    '- **in-app**: from the settings page, a client-side route change (`history.pushState` + `popstate`, as a link',
    '  click makes); times count from the route change.',
    '- **table rendered**: the first row of the table shows its live status (`1/1` ready replicas on the environment',
    '  page, `1/1` instances ready in the feature-branches list), checked in the page on every animation frame.',
    '- **interactive**: right after that, a search for one row far down the list (beyond the first page) is typed into',
    "  the table's filter; the time until that row alone is shown. It includes Playwright's round trips and the",
    "  table's search debounce. **filter responds**: the same, from the typing only.",
    '- **100 rows a page**: with the filter cleared, from opening the rows-per-page menu until the 100th row (or the',
    "  last) is shown with the table's largest page, 100 rows: what five times the rows in the DOM cost. It includes",
    "  Playwright's two clicks.",
    '- **API answered**: when the last envmesh API response the page had asked for before the table rendered came in',
    "  (the browser's resource timings).",
    '- **rows in the DOM**: data rows the table rendered (the tables are paged: 20 rows a page; search and sort cover all',
    '  rows).',
    '- The feature-branches list has the seeded `feature-31337` as well, one row more than the count.',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- the run

test('the environment page and the feature-branches list at scale', async ({
  page,
}) => {
  const machine = machineInfo();
  say(
    `large ${LARGE}, small ${SMALL}, ${LOADS} loads; load ${formatLoad(
      machine.loadStart,
    )}`,
  );
  // The services table offers its search from 11 rows on.
  if (SMALL <= 10) throw new Error('PORTAL_SCALE_SMALL must be more than 10');
  if (!SERVICES_DIR) throw new Error('PORTAL_SCALE_SERVICES_DIR is not set');
  token = await guestToken();
  const setup: string[] = [];

  let started = Date.now();
  fs.rmSync(SERVICES_DIR, { recursive: true, force: true });
  generateServices(SERVICES_DIR, LARGE, true);
  const imported = await api<{
    failed: unknown[];
    created: string[];
    updated: string[];
    unchanged: string[];
  }>('POST', '/services/import', {
    source: { type: 'directory', location: SERVICES_DIR },
  });
  expect(imported.failed).toEqual([]);
  const importedCount =
    imported.created.length +
    imported.updated.length +
    imported.unchanged.length;
  setup.push(
    `import of the generated repository (${importedCount} services, one shared chart): ${fmt(
      (Date.now() - started) / 1000,
    )} s`,
  );
  for (const [name, n] of [
    [SMALL_ENV, SMALL],
    [LARGE_ENV, LARGE],
  ] as const) {
    started = Date.now();
    await createEnvironment(name, n);
    setup.push(
      `environment ${name}: ${n} services created and ready in ${fmt(
        (Date.now() - started) / 1000,
      )} s`,
    );
  }

  const fronts = await frontends();
  for (const frontend of fronts) {
    say(`signing in on the ${frontend.label} front end`);
    await signIn(page, frontend);
  }
  if (fronts.length === 1) {
    setup.push(
      'no production build: the backend serves no front end (packages/app/dist missing)',
    );
  }

  const environmentPage = (name: string, n: number): PageUnderTest => ({
    label: 'environment page',
    path: `/environments/${name}`,
    rows: n,
    firstRow: [serviceName(1), '1/1'],
    search: serviceName(Math.ceil(n * 0.95)),
    firstName: serviceName(1),
    row100: serviceName(Math.min(100, n)),
    rowPattern: 'svc-\\d{4}',
  });
  const featuresPage = (n: number): PageUnderTest => ({
    label: 'feature-branches list',
    path: '/feature-branches',
    rows: n + 1,
    firstRow: [featureName(1), '1/1'],
    search: featureName(Math.ceil(n * 0.95)),
    firstName: featureName(1),
    row100: featureName(Math.min(100, n)),
    rowPattern: 'fb-\\d{4}|feature-31337',
  });
  const measurements: Measurement[] = [];
  const measureAll = async (targets: PageUnderTest[]) => {
    for (const frontend of fronts) {
      for (const mode of ['reload', 'in-app'] as const) {
        for (const target of targets) {
          measurements.push(await measure(page, target, frontend, mode));
        }
      }
    }
  };

  await measureAll([
    environmentPage(SMALL_ENV, SMALL),
    environmentPage(LARGE_ENV, LARGE),
  ]);

  started = Date.now();
  let ready = await createFeatures(1, SMALL);
  setup.push(
    `feature branches 1–${SMALL} of ${LARGE_ENV} (one instance each): ${ready} ready, ${fmt(
      (Date.now() - started) / 1000,
    )} s`,
  );
  await measureAll([featuresPage(SMALL)]);

  started = Date.now();
  ready = await createFeatures(SMALL + 1, LARGE);
  setup.push(
    `feature branches ${SMALL + 1}–${LARGE}: ${ready} of ${LARGE} ready, ${fmt(
      (Date.now() - started) / 1000,
    )} s`,
  );
  await measureAll([featuresPage(LARGE)]);

  console.log(
    `\n${table(measurements)}\n\n${verdicts(measurements).join('\n')}\n`,
  );
  writeReport(OUT, report(machine, measurements, setup));
});
