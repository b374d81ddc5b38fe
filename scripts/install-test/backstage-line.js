#!/usr/bin/env node
// The install test's Backstage line: envmesh is built for the release in backstage.json, and a portal on that
// release must resolve one copy of every Backstage package envmesh uses.
//
//   backstage-line.js bump <app-dir>    moves a stock app to the release, as `backstage-cli versions:bump`
//                                       does (its release manifest is out of reach here): every @backstage/*
//                                       range the repository's yarn.lock resolves becomes ^ that version;
//                                       and pins @types/node to the Node it runs on
//   backstage-line.js check <app-dir>   fails when the app's yarn.lock holds two versions of a Backstage
//                                       package envmesh's plugins depend on
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '../..');

/** Each package's resolved versions in a yarn.lock (registry packages only). */
function lockedVersions(lockfile) {
  const versions = new Map();
  const text = fs.readFileSync(lockfile, 'utf8');
  for (const [, name, version] of text.matchAll(
    /^ {2}resolution: "(@?[^@"]+)@npm:([^"]+)"$/gm,
  )) {
    versions.set(name, new Set([...(versions.get(name) ?? []), version]));
  }
  return versions;
}

function newest(versions) {
  const parts = v => v.split(/[.-]/).map(p => (/^\d+$/.test(p) ? +p : p));
  return [...versions].sort((a, b) => {
    const [x, y] = [parts(a), parts(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      if (x[i] !== y[i]) return (x[i] ?? -1) < (y[i] ?? -1) ? -1 : 1;
    }
    return 0;
  })[versions.size - 1];
}

function packageJsons(dir) {
  return [
    path.join(dir, 'package.json'),
    ...['packages', 'plugins'].flatMap(folder => {
      const root = path.join(dir, folder);
      return fs.existsSync(root)
        ? fs
            .readdirSync(root)
            .map(p => path.join(root, p, 'package.json'))
            .filter(f => fs.existsSync(f))
        : [];
    }),
  ];
}

function bump(app) {
  const release = JSON.parse(
    fs.readFileSync(path.join(repo, 'backstage.json'), 'utf8'),
  ).version;
  const repoVersions = lockedVersions(path.join(repo, 'yarn.lock'));
  let bumped = 0;
  for (const file of packageJsons(app)) {
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const field of ['dependencies', 'devDependencies']) {
      for (const [name, range] of Object.entries(pkg[field] ?? {})) {
        const versions = repoVersions.get(name);
        if (!name.startsWith('@backstage/') || !versions) continue;
        const wanted = `^${newest(versions)}`;
        if (range !== wanted) {
          pkg[field][name] = wanted;
          bumped++;
        }
      }
    }
    fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  }
  // The app's @types/node otherwise floats to the newest major (it is nobody's direct dependency), whose
  // TextEncoder/TextDecoder types the DOM lib of the app's TypeScript 5.8 rejects in tsc:full: a portal keeps
  // the types of the Node it runs on.
  const root = path.join(app, 'package.json');
  const rootPkg = JSON.parse(fs.readFileSync(root, 'utf8'));
  rootPkg.devDependencies['@types/node'] = `^${
    process.versions.node.split('.')[0]
  }.0.0`;
  fs.writeFileSync(root, `${JSON.stringify(rootPkg, null, 2)}\n`);
  const backstageJson = path.join(app, 'backstage.json');
  fs.writeFileSync(
    backstageJson,
    `${JSON.stringify({ version: release }, null, 2)}\n`,
  );
  console.log(
    `install-test: the app is on Backstage ${release} (${bumped} ranges moved)`,
  );
}

function check(app) {
  const used = new Set();
  for (const file of packageJsons(repo).filter(f => f.includes('/plugins/'))) {
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const field of ['dependencies', 'peerDependencies']) {
      Object.keys(pkg[field] ?? {})
        .filter(name => name.startsWith('@backstage/'))
        .forEach(name => used.add(name));
    }
  }
  const appVersions = lockedVersions(path.join(app, 'yarn.lock'));
  const doubled = [...used]
    .filter(name => (appVersions.get(name)?.size ?? 0) > 1)
    .map(name => `${name} (${[...appVersions.get(name)].join(', ')})`);
  if (doubled.length) {
    console.error(
      `install-test: the app holds two copies of Backstage packages envmesh uses: ${doubled.join(
        '; ',
      )}`,
    );
    process.exit(1);
  }
  console.log(
    `install-test: one copy each of the ${used.size} Backstage packages envmesh uses`,
  );
}

const [command, app] = process.argv.slice(2);
if (command === 'bump' && app) bump(app);
else if (command === 'check' && app) check(app);
else {
  console.error('usage: backstage-line.js bump|check <app-dir>');
  process.exit(2);
}
