#!/usr/bin/env node
// check-folder-cycles <src-dir>...: fails when the top-level folders of a src dir import each other in a cycle.
// A folder is a layer: features may use naming, naming may not use features. File-level tools (madge,
// import/no-cycle) miss a folder cycle whose files do not form one, e.g. a/x -> b/y and b/z -> a/w.
// Every import of production code counts, type-only ones too; files directly in src (plugin.ts, router.ts) are
// one node. Tests and test helpers (*.test.ts, __testUtils__, __fixtures__) are left out: they sit on top of
// everything, as an integration test starts the whole plugin.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory())
      return /^__\w+__$/.test(entry.name) ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)
      ? [full]
      : [];
  });
}

// The node an imported path belongs to: its top-level folder under src (the folder itself when the import
// names it, for its index.ts), or '.' for a file directly in src.
function nodeOf(src, file) {
  const rel = path.relative(src, file).split(path.sep);
  if (rel.length > 1) return rel[0];
  return fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()
    ? rel[0]
    : '.';
}

// Each edge between two nodes, with one import that makes it (for the message).
function folderGraph(src) {
  const edges = new Map();
  for (const file of sourceFiles(src)) {
    const from = nodeOf(src, file);
    const text = fs.readFileSync(file, 'utf8');
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), ref.fileName);
      if (path.relative(src, target).startsWith('..')) continue;
      const to = nodeOf(src, target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from).has(to)) {
        edges
          .get(from)
          .set(to, `${path.relative(src, file)} imports ${ref.fileName}`);
      }
    }
  }
  return edges;
}

// Tarjan's strongly connected components: every component of more than one node is a cycle.
function cycles(edges) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let next = 0;
  const visit = node => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of (edges.get(node) ?? new Map()).keys()) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node), low.get(to)));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node), index.get(to)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return components;
}

let failed = false;
for (const src of process.argv.slice(2)) {
  const edges = folderGraph(path.resolve(src));
  for (const component of cycles(edges)) {
    failed = true;
    console.error(
      `${src}: folders in an import cycle: ${component.join(', ')}`,
    );
    for (const from of component) {
      for (const [to, example] of edges.get(from) ?? []) {
        if (component.includes(to))
          console.error(`  ${from} -> ${to}: ${example}`);
      }
    }
  }
}
if (!failed) console.log('no import cycles between folders');
process.exit(failed ? 1 : 0);
