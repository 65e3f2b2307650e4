import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  // WebAssembly.instantiateStreaming requires this type.
  '.wasm': 'application/wasm',
  '.webm': 'video/webm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** `bytes=a-b` / `bytes=a-` of a file of `size` bytes, or null when the header asks for anything else. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | null {
  const match = /^bytes=(\d+)-(\d*)$/.exec(header ?? '');
  if (match == null) return null;
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start <= end ? { start, end } : null;
}

/** The file a URL path names under `mounts` (URL prefix -> folder, longest prefix first), or null outside them. */
function resolveFile(path: string, mounts: Array<[string, string]>): string | null {
  for (const [prefix, root] of mounts) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const file = normalize(join(root, rest === '' || rest.endsWith('/') ? `${rest}index.html` : rest));
    return file === root || file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null;
  }
  return null;
}

/**
 * Serves `root` (the built page) on 127.0.0.1 at a free port, and each of
 * `mounts` (e.g. `{'/run/': '/path/to/run'}`) under its prefix; GET only,
 * nothing outside those folders. Answers byte ranges as any static host
 * does: a `<video>` can seek only in a file served with ranges.
 */
export async function serveStatic(root: string, mounts: Record<string, string> = {}): Promise<{ url: string; server: Server }> {
  const folders = Object.entries({ ...mounts, '/': root })
    .map(([prefix, dir]): [string, string] => [prefix, resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = resolveFile(path, folders);
    let size = -1;
    try {
      size = file != null && request.method === 'GET' ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0 || file == null) {
      response.writeHead(404).end();
      return;
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    const range = request.headers.range == null ? null : byteRange(request.headers.range, size);
    if (request.headers.range != null && range == null) {
      response.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    if (range == null) {
      response.writeHead(200, { 'content-type': type, 'content-length': size, 'accept-ranges': 'bytes' });
      createReadStream(file).pipe(response);
      return;
    }
    response.writeHead(206, {
      'content-type': type,
      'content-length': range.end - range.start + 1,
      'content-range': `bytes ${range.start}-${range.end}/${size}`,
      'accept-ranges': 'bytes',
    });
    createReadStream(file, range).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}
