#!/usr/bin/env node
/*
 * Generates, from openapi.yaml, with Backstage's repo tools (`backstage-repo-tools package schema openapi
 * generate`): the server types and the spec as a typed constant (src/schema/openapi/generated, used by
 * openApiRouter.ts) and the client and models of @envmesh/plugin-environments-common
 * (src/schema/openapi/generated there). `yarn generate:openapi`.
 *
 * With `--check`, exits 1 when the generated files are not what openapi.yaml generates, leaving them as they
 * were (`make test` runs it).
 *
 * Beyond repo-tools: its generated `apis/*.ts` import a model once per tag of the operations that use it
 * (repo-tools dedupes only the top folder), so the imports are deduped here.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// A development script run from the source tree, never part of a build.
// eslint-disable-next-line no-restricted-syntax
const packageDir = path.resolve(__dirname, '../..');
const rootDir = path.resolve(packageDir, '../..');
const clientPackage = 'plugins/environments-common';
const outputs = [
  path.join(packageDir, 'src/schema/openapi'),
  path.join(rootDir, clientPackage, 'src/schema/openapi'),
];

/** Every file under `dir` (relative path → content). */
function snapshot(dir, into = new Map(), base = dir) {
  if (!fs.existsSync(dir)) return into;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) snapshot(file, into, base);
    else into.set(file, fs.readFileSync(file, 'utf8'));
  }
  return into;
}

function restore(before) {
  for (const dir of outputs) fs.rmSync(dir, { recursive: true, force: true });
  for (const [file, content] of before) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

/** Drops repeated import statements (single or multi-line), keeping the first. */
function dedupeImports(file) {
  const text = fs.readFileSync(file, 'utf8');
  const seen = new Set();
  const deduped = text.replace(
    /^import [^;]*?from '[^']+';\n/gms,
    statement => {
      const key = statement.replace(/\s+/g, ' ');
      if (seen.has(key)) return '';
      seen.add(key);
      return statement;
    },
  );
  if (deduped !== text) fs.writeFileSync(file, deduped);
}

function generate() {
  // repo-tools reports a failure on stdout and exits 0: check that it said it generated both.
  const output = execFileSync(
    'yarn',
    [
      'run',
      '-T',
      'backstage-repo-tools',
      'package',
      'schema',
      'openapi',
      'generate',
      '--server',
      '--client-package',
      clientPackage,
    ],
    { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (
    !output.includes('Generated server files') ||
    !output.includes('Generated client in')
  ) {
    throw new Error(`backstage-repo-tools failed:\n${output}`);
  }
  for (const dir of outputs) {
    const apis = path.join(dir, 'generated/apis');
    for (const name of fs.readdirSync(apis)) {
      if (name.endsWith('.ts')) dedupeImports(path.join(apis, name));
    }
  }
}

if (require.main === module) {
  const before = new Map();
  for (const dir of outputs) snapshot(dir, before);
  generate();
  const after = new Map();
  for (const dir of outputs) snapshot(dir, after);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
    file => before.get(file) !== after.get(file),
  );
  if (process.argv.includes('--check')) {
    restore(before);
    if (changed.length) {
      console.error(
        `generated from openapi.yaml, out of date: ${changed
          .map(file => path.relative(rootDir, file))
          .join(', ')}; run \`yarn generate:openapi\` in ${path.relative(
          rootDir,
          packageDir,
        )}`,
      );
      process.exit(1);
    }
  } else {
    for (const file of changed)
      console.log(`wrote ${path.relative(rootDir, file)}`);
  }
}
