import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BerthError } from './errors.js';
import { fetchUrl, isHttpUrl, MAX_REDIRECTS } from './fetch-url.js';

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function text(body: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts).toString();
}

test('isHttpUrl() knows http and https only', () => {
  assert.equal(isHttpUrl('http://x/a.tar'), true);
  assert.equal(isHttpUrl('HTTPS://x'), true);
  assert.equal(isHttpUrl('ftp://x'), false);
  assert.equal(isHttpUrl('./http:/x'), false);
});

test('fetchUrl() follows redirects, reports the length, and refuses non-2xx and endless redirects', async () => {
  let hits = 0;
  const { server, base } = await serve((req, res) => {
    hits++;
    if (req.url === '/data') return void res.writeHead(200, { 'content-length': '5' }).end('hello');
    if (req.url === '/hop') return void res.writeHead(302, { location: '/data' }).end();
    if (req.url?.startsWith('/loop')) return void res.writeHead(301, { location: `/loop${hits}` }).end();
    res.writeHead(404).end('no');
  });
  try {
    const got = await fetchUrl(`${base}/hop`);
    assert.equal(got.url, `${base}/data`);
    assert.equal(got.length, 5);
    assert.equal(await text(got.body), 'hello');
    await assert.rejects(fetchUrl(`${base}/missing`), (err: unknown) => {
      assert.ok(err instanceof BerthError);
      assert.equal(err.code, 'URL_FETCH_FAILED');
      assert.match(err.message, /with status 404 Not Found/);
      return true;
    });
    hits = 0;
    await assert.rejects(fetchUrl(`${base}/loop`), new RegExp(`stopped after ${MAX_REDIRECTS} redirects`));
    assert.equal(hits, MAX_REDIRECTS + 1);
  } finally {
    server.close();
  }
});

test('fetchUrl() turns a refused connection into URL_FETCH_FAILED', async () => {
  const { server, base } = await serve((_req, res) => res.end());
  server.close();
  await new Promise((r) => server.once('close', r));
  await assert.rejects(fetchUrl(`${base}/x`), (err: unknown) => err instanceof BerthError && err.code === 'URL_FETCH_FAILED' && /ECONNREFUSED/.test(err.message));
});
