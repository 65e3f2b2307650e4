#!/usr/bin/env node
/**
 * Keeps the workspace graph the way ARCHITECTURE.md draws it (run by
 * `npm run lint` and `npm test`):
 * - no cycle among workspaces (dependencies, peer and dev dependencies);
 * - a published package (packages/*) depends on no app or tool, except the
 *   private test helpers (@tfjs-compress/testing) as a dev dependency;
 * - every workspace's runtime dependencies on other workspaces are the ones
 *   its row of ARCHITECTURE.md's package table lists under "depends on".
 * Prints each problem and exits with 1 when there is one.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCOPE = '@tfjs-compress/';
const TEST_HELPERS = `${SCOPE}testing`;

/** Every workspace: its folder, name and its workspace dependencies by kind. */
const workspaces = ['packages', 'apps', 'tools'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, group, e.name, 'package.json')))
    .map((e) => {
      const pkg = JSON.parse(readFileSync(join(root, group, e.name, 'package.json'), 'utf8'));
      const ours = (deps = {}) => Object.keys(deps).filter((d) => d.startsWith(SCOPE));
      return {
        dir: `${group}/${e.name}`,
        group,
        name: pkg.name,
        runtime: [...new Set([...ours(pkg.dependencies), ...ours(pkg.peerDependencies)])],
        dev: ours(pkg.devDependencies),
      };
    }),
);
const byName = new Map(workspaces.map((w) => [w.name, w]));
const problems = [];

// 1. No cycle (depth-first search over every kind of dependency).
const state = new Map();
const visit = (name, path) => {
  if (state.get(name) === 'done') return;
  if (state.get(name) === 'open') {
    problems.push(`dependency cycle: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
    return;
  }
  state.set(name, 'open');
  const w = byName.get(name);
  for (const d of [...w.runtime, ...w.dev]) if (byName.has(d)) visit(d, [...path, name]);
  state.set(name, 'done');
};
for (const w of workspaces) visit(w.name, []);

// 2. Published packages depend on published packages only.
for (const w of workspaces.filter((w) => w.group === 'packages')) {
  for (const d of w.runtime) if (byName.get(d)?.group !== 'packages') problems.push(`${w.dir} depends on ${d}, which is not a published package`);
  for (const d of w.dev) if (byName.get(d)?.group !== 'packages' && d !== TEST_HELPERS) problems.push(`${w.dir} has a dev dependency on ${d}, an app or tool`);
}

// 3. ARCHITECTURE.md's "depends on" column is what package.json says.
const table = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8').split('\n').filter((l) => /^\| `(packages|apps|tools)\/[^`]+` \|/.test(l));
const documented = new Map(
  table.map((row) => {
    const cells = row.split(' | ');
    const dir = /`([^`]+)`/.exec(cells[0])[1];
    // Names before any parenthesis ("vib (vib-rnn and prune in tests)": tests are dev dependencies).
    const listed = cells.at(-1).replace(/\|$/, '').replace(/\([^)]*\)/g, '').split(',').map((s) => s.trim()).filter(Boolean);
    return [dir, listed.map((n) => `${SCOPE}${n}`).filter((n) => byName.has(n))];
  }),
);
for (const w of workspaces.filter((w) => w.name !== TEST_HELPERS)) {
  const listed = documented.get(w.dir);
  if (!listed) {
    problems.push(`ARCHITECTURE.md's package table has no row for ${w.dir}`);
    continue;
  }
  const actual = w.runtime.filter((d) => d !== TEST_HELPERS);
  for (const d of actual) if (!listed.includes(d)) problems.push(`${w.dir} depends on ${d}, which its ARCHITECTURE.md row does not list`);
  for (const d of listed) if (!actual.includes(d)) problems.push(`ARCHITECTURE.md lists ${d} for ${w.dir}, which its package.json does not depend on`);
}

if (problems.length > 0) {
  console.error(`package graph: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`package graph: ${workspaces.length} workspaces, no cycle, published packages depend on published packages only, ARCHITECTURE.md matches`);
