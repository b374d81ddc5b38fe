#!/usr/bin/env node
// The install test's view of the plugin READMEs: the fenced blocks marked `<!-- install-test: <kind> -->` are
// what a platform engineer pastes into a stock Backstage app, and this applies them as they are written.
//
//   readmes.js apply <app-dir> <packs-dir>   yarn add lines (names become the packed tarballs), the
//                                            backend/src/index.ts and app/src/App.tsx lines, app-config.yaml
//   readmes.js first-steps <backend-url> <name-file>
//                                            runs the backend README's "First steps" commands ($TOKEN from the
//                                            environment), follows the created environment to `succeeded` and
//                                            writes its name to <name-file>
//
// Kinds: `add` (sh: `yarn --cwd packages/<backend|app> add <package>`), `backend` (ts: imports and
// `backend.add(...)` lines for packages/backend/src/index.ts), `app` (tsx: the entries of `features: [...]` for
// packages/app/src/App.tsx), `app-config` (yaml, merged into app-config.yaml), `first-steps` (sh, run).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const YAML = require('yaml');

const repo = path.resolve(__dirname, '../..');

/** Every marked block of every plugin README, in plugin folder order. */
function readBlocks() {
  const blocks = [];
  const pluginsDir = path.join(repo, 'plugins');
  for (const plugin of fs.readdirSync(pluginsDir).sort()) {
    const file = path.join(pluginsDir, plugin, 'README.md');
    if (!fs.existsSync(file)) continue;
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const marker = lines[i].match(/^<!-- install-test: ([\w-]+) -->$/);
      if (!marker) continue;
      let start = i + 1;
      while (lines[start] === '') start++;
      if (!/^```\w*$/.test(lines[start] ?? '')) {
        throw new Error(`${file}:${i + 1}: no code block after the marker`);
      }
      const end = lines.indexOf('```', start + 1);
      if (end < 0) throw new Error(`${file}:${start + 1}: unclosed code block`);
      blocks.push({
        kind: marker[1],
        where: `${path.relative(repo, file)}:${start + 1}`,
        text: lines.slice(start + 1, end).join('\n'),
      });
    }
  }
  return blocks;
}

function ofKind(blocks, kind) {
  const found = blocks.filter(b => b.kind === kind);
  if (found.length === 0) throw new Error(`no README block marked ${kind}`);
  return found;
}

function run(cwd, command, args) {
  console.log(
    `install-test: (${path.basename(cwd)}) ${command} ${args.join(' ')}`,
  );
  execFileSync(command, args, { cwd, stdio: 'inherit' });
}

/** The packed tarballs by package name (yarn pack --out %s-%v.tgz writes @scope-name-version.tgz). */
function tarballs(packsDir) {
  const byName = new Map();
  for (const file of fs.readdirSync(packsDir)) {
    const tgz = path.join(packsDir, file);
    const manifest = execFileSync(
      'tar',
      ['-xzOf', tgz, 'package/package.json'],
      { encoding: 'utf8' },
    );
    byName.set(JSON.parse(manifest).name, tgz);
  }
  return byName;
}

/**
 * The README's `yarn --cwd <workspace> add <names>` lines, with each name replaced by its tarball. The packages
 * the added ones depend on (`@envmesh/plugin-environments-common@^0.1.0`) come from the tarballs too, through
 * the root `resolutions`, as the registry would serve them.
 */
function applyAdds(blocks, appDir, packs) {
  const rootManifest = path.join(appDir, 'package.json');
  const root = JSON.parse(fs.readFileSync(rootManifest, 'utf8'));
  root.resolutions = {
    ...root.resolutions,
    ...Object.fromEntries([...packs].map(([n, t]) => [n, `file:${t}`])),
  };
  fs.writeFileSync(rootManifest, `${JSON.stringify(root, null, 2)}\n`);

  // One `yarn add` per workspace with every package the READMEs add to it (each add is a whole install).
  const byWorkspace = new Map();
  for (const block of ofKind(blocks, 'add')) {
    for (const line of block.text.split('\n').filter(l => l.trim())) {
      const m = line.match(
        /^yarn --cwd (packages\/(?:backend|app)) add ((?:@envmesh\/[\w-]+ ?)+)$/,
      );
      if (!m)
        throw new Error(
          `${block.where}: not a yarn add line of a portal package: ${line}`,
        );
      for (const name of m[2].trim().split(' ')) {
        if (!packs.has(name))
          throw new Error(`${block.where}: ${name} was not packed`);
        byWorkspace.set(m[1], [
          ...(byWorkspace.get(m[1]) ?? []),
          packs.get(name),
        ]);
      }
    }
  }
  for (const [workspace, tgzs] of byWorkspace) {
    run(appDir, 'yarn', ['--cwd', workspace, 'add', ...tgzs]);
  }
}

/** Code lines of a block: comments and blank lines dropped, a statement split over lines joined. */
function statements(text) {
  return text
    .split('\n')
    .filter(l => l.trim() && !l.trim().startsWith('//'))
    .join('\n')
    .split(/;\n?/)
    .map(s => s.replace(/\s*\n\s*/g, ' ').trim())
    .filter(Boolean)
    .map(s => `${s};`);
}

/** `import` lines go below the stock imports, `backend.add(...)` lines before `backend.start()`. */
function applyBackend(blocks, appDir) {
  const file = path.join(appDir, 'packages/backend/src/index.ts');
  let source = fs.readFileSync(file, 'utf8');
  for (const block of ofKind(blocks, 'backend')) {
    for (const statement of statements(block.text)) {
      if (statement.startsWith('import ')) {
        const lastImport = [...source.matchAll(/^import .*;$/gm)].pop();
        const at = lastImport.index + lastImport[0].length;
        source = `${source.slice(0, at)}\n${statement}${source.slice(at)}`;
      } else if (statement.startsWith('backend.add(')) {
        source = source.replace(/^backend\.start\(\);$/m, `${statement}\n$&`);
      } else {
        throw new Error(
          `${block.where}: not an import or backend.add: ${statement}`,
        );
      }
    }
  }
  fs.writeFileSync(file, source);
}

/** The entries of the README's `features: [...]` join the stock app's own. */
function applyApp(blocks, appDir) {
  const file = path.join(appDir, 'packages/app/src/App.tsx');
  let source = fs.readFileSync(file, 'utf8');
  for (const block of ofKind(blocks, 'app')) {
    const features = block.text.match(/features: \[([^\]]*)\]/);
    if (!features) throw new Error(`${block.where}: no features: [...]`);
    for (const statement of statements(block.text).filter(s =>
      s.startsWith('import '),
    )) {
      if (!source.includes(statement)) source = `${statement}\n${source}`;
    }
    source = source.replace(
      /features: \[/,
      `features: [${features[1].trim().replace(/,$/, '')}, `,
    );
  }
  fs.writeFileSync(file, source);
}

/** Maps merge key by key, lists are added to (catalog.locations), anything else is replaced; comments stay. */
function mergeInto(map, source) {
  for (const { key, value } of source.items) {
    const existing = map.get(key.value, true);
    if (YAML.isMap(existing) && YAML.isMap(value)) mergeInto(existing, value);
    else if (YAML.isSeq(existing) && YAML.isSeq(value))
      existing.items.push(...value.items);
    else map.set(key.value, value);
  }
}

function applyConfig(blocks, appDir) {
  const file = path.join(appDir, 'app-config.yaml');
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
  for (const block of ofKind(blocks, 'app-config')) {
    mergeInto(
      doc.contents,
      YAML.parseDocument(thisCheckout(block.text)).contents,
    );
  }
  fs.writeFileSync(
    file,
    doc.toString({ lineWidth: 0, flowCollectionPadding: false }),
  );
}

// The READMEs' checkout of the envmesh repository (for its examples/) is /srv/envmesh: this one instead.
const thisCheckout = text => text.replaceAll('/srv/envmesh', repo);

async function firstSteps(backendUrl, nameFile) {
  const [block] = ofKind(readBlocks(), 'first-steps');
  // The README's commands name the default backend: this run's instead.
  const commands = thisCheckout(block.text)
    .replaceAll('http://localhost:7007', backendUrl)
    .split(/\n(?=\S)/)
    .filter(c => c.trim());
  let operation;
  for (const command of commands) {
    console.log(`install-test: ${command}`);
    const out = execFileSync('bash', ['-euo', 'pipefail', '-c', command], {
      encoding: 'utf8',
    });
    console.log(out);
    const body = JSON.parse(out);
    if (body.error)
      throw new Error(`${block.where}: the command answered ${out}`);
    if (body.id && body.state) operation = body;
  }
  if (!operation)
    throw new Error(`${block.where}: no command answered with an operation`);
  // "GET /api/environments/operations/<id> follows it to succeeded"
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const res = await fetch(
      `${backendUrl}/api/environments/operations/${operation.id}`,
      {
        headers: { Authorization: `Bearer ${process.env.TOKEN}` },
      },
    );
    const body = await res.json();
    if (body.state === 'succeeded') break;
    if (body.state === 'failed' || Date.now() > deadline) {
      throw new Error(
        `operation ${operation.id} did not succeed: ${JSON.stringify(body)}`,
      );
    }
    await new Promise(r => setTimeout(r, 2000));
  }
  console.log(
    `install-test: ${operation.environment}: operation ${operation.id} succeeded`,
  );
  fs.writeFileSync(nameFile, operation.environment);
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'apply') {
    const [appDir, packsDir] = args.map(a => path.resolve(a));
    const blocks = readBlocks();
    applyAdds(blocks, appDir, tarballs(packsDir));
    applyBackend(blocks, appDir);
    applyApp(blocks, appDir);
    applyConfig(blocks, appDir);
  } else if (command === 'first-steps') {
    await firstSteps(args[0], args[1]);
  } else {
    throw new Error(
      'usage: readmes.js apply <app-dir> <packs-dir> | first-steps <backend-url> <name-file>',
    );
  }
}

main().catch(error => {
  console.error(`install-test: ${error.message}`);
  process.exit(1);
});
