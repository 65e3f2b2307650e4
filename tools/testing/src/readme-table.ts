import assert from 'node:assert/strict';

/**
 * The last cell ("default") of the first table row for `option` after
 * `heading` in a README's text, backticks dropped: a test compares it with
 * the constant the code uses, so the docs cannot drift from the code.
 */
export function readmeDefault(readme: string, heading: string, option: string): string {
  const start = readme.indexOf(heading);
  assert.ok(start >= 0, `README has no section '${heading}'`);
  const row = readme
    .slice(start)
    .split('\n')
    .find((line) => line.startsWith(`| \`${option}\` |`));
  assert.ok(row, `README section '${heading}' has no row for ${option}`);
  const cells = row.split('|').map((c) => c.trim());
  return cells[cells.length - 2].replace(/`/g, '');
}
