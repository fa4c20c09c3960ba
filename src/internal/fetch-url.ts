/**
 * Streams the body of an http:// or https:// URL (Node's own http/https clients): redirects
 * followed up to a bound, any final status other than 2xx an error. The body is handed over
 * as a stream; nothing is buffered beyond what the socket holds.
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { BerthError, printable } from './errors.js';

export const MAX_REDIRECTS = 10;
/** A connection that sends nothing for this long is given up (the whole download may take longer). */
export const IDLE_TIMEOUT_MS = 60_000;

export interface FetchedBody {
  /** The response body. */
  body: IncomingMessage;
  /** Content-Length when the server gave one. */
  length: number | undefined;
  /** The URL the body finally came from. */
  url: string;
}

export function isHttpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

function fetchFailed(url: string, detail: string, cause?: unknown): BerthError {
  return new BerthError('unavailable', 'URL_FETCH_FAILED', `Cannot fetch ${printable(url)}: ${printable(detail)}`, {
    hint: 'Check the URL and that the server is reachable',
    ...(cause === undefined ? {} : { cause }),
  });
}

function request(url: URL): Promise<IncomingMessage> {
  // Loaded when a URL is fetched: most commands never need Node's http client.
  const load = createRequire(import.meta.url);
  const { get } = url.protocol === 'https:' ? load('node:https') as typeof import('node:https') : load('node:http') as typeof import('node:http');
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { 'user-agent': 'berth', accept: '*/*' } }, resolve);
    req.on('error', reject);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
  });
}

/** GETs `url`, following redirects; rejects with URL_FETCH_FAILED. */
export async function fetchUrl(url: string): Promise<FetchedBody> {
  let current: URL;
  try {
    current = new URL(url);
  } catch (err) {
    throw fetchFailed(url, 'not a valid URL', err);
  }
  for (let hops = 0; ; hops++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') throw fetchFailed(url, `unsupported protocol "${current.protocol}"`);
    let res: IncomingMessage;
    try {
      res = await request(current);
    } catch (err) {
      throw fetchFailed(current.href, (err as Error).message, err);
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location !== undefined) {
      res.resume();
      if (hops >= MAX_REDIRECTS) throw fetchFailed(url, `stopped after ${MAX_REDIRECTS} redirects`);
      try {
        current = new URL(res.headers.location, current);
      } catch (err) {
        throw fetchFailed(current.href, 'the redirect location is not a valid URL', err);
      }
      continue;
    }
    if (status < 200 || status > 299) {
      res.resume();
      throw fetchFailed(current.href, `failed to GET ${current.href} with status ${status} ${res.statusMessage ?? ''}`.trimEnd());
    }
    const raw = res.headers['content-length'];
    const length = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
    return { body: res, length, url: current.href };
  }
}
