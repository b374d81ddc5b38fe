#!/usr/bin/env node
// seed-lock.js <app-dir>: seeds a new app's yarn.lock with the registry packages of this repository's yarn.lock,
// as @backstage/create-app seeds it with its own (which it fetches from GitHub, out of reach here). A stock app's
// ranges take the newest releases, and those can be a Backstage release past the line of backstage.json (a
// plugin that needs a newer backend than the app's). Seeded, it installs what envmesh is tested with; yarn drops
// the entries the app does not use.
const fs = require('node:fs');
const path = require('node:path');

const repoLock = fs.readFileSync(
  path.resolve(__dirname, '../../yarn.lock'),
  'utf8',
);
const entries = repoLock
  .split('\n\n')
  .filter(entry => /^ {2}resolution: ".*@npm:/m.test(entry));
const lockfile = path.join(process.argv[2], 'yarn.lock');
const [header, metadata] = fs.readFileSync(lockfile, 'utf8').split('\n\n');
fs.writeFileSync(lockfile, `${[header, metadata, ...entries].join('\n\n')}\n`);
console.log(
  `install-test: seeded yarn.lock with ${entries.length} packages of this repository's`,
);
