import { it } from 'node:test';
import { assertBrowserBundle } from '@tfjs-compress/testing';

it('bundles for a browser page (esbuild, platform browser): nothing it imports needs node:', () => assertBrowserBundle(import.meta.url));

it('so does @tfjs-compress/vib/internal, which the browser packages build on', () => assertBrowserBundle(import.meta.url, 'internal'));
