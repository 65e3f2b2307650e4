import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Bundles a package's built entry (`dist/<entry>.js`) the way a web app's
 * bundler would (esbuild, `platform: 'browser'`), with tfjs left external as
 * the peer dependency it is. Returns esbuild's errors as text: a `node:`
 * import anywhere in the graph is one ("Could not resolve node:fs").
 */
export async function browserBundleErrors(packageDir: string, entry = 'index'): Promise<string[]> {
  const result = await build({
    entryPoints: [join(packageDir, 'dist', `${entry}.js`)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    external: ['@tensorflow/*'],
  }).catch((error: { errors?: Array<{ text: string; location?: { file: string } | null }> }) => ({ errors: error.errors ?? [] }));
  return result.errors.map((e) => `${e.location?.file ?? '?'}: ${e.text}`);
}

/** Fails, listing esbuild's errors, unless the package of the calling test file (`import.meta.url`, in `<pkg>/test/`) bundles for a browser. */
export async function assertBrowserBundle(testFileUrl: string, entry = 'index'): Promise<void> {
  const packageDir = join(dirname(fileURLToPath(testFileUrl)), '..');
  const errors = await browserBundleErrors(packageDir, entry);
  assert.deepEqual(errors, [], `dist/${entry}.js does not bundle for a browser:\n${errors.join('\n')}`);
}
