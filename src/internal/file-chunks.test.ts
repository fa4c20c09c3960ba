import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_SIZE, readFileChunks, readHandleChunks } from './file-chunks.js';

async function withFile(data: Buffer, body: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-file-chunks-'));
  try {
    const path = join(dir, 'data');
    await writeFile(path, data);
    await body(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Copies each chunk as it comes: the ring reuses the buffers behind them. */
async function collect(chunks: AsyncIterable<Buffer>): Promise<{ data: Buffer; sizes: number[] }> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return { data: Buffer.concat(parts), sizes: parts.map((p) => p.length) };
}

test('readFileChunks yields the whole file in chunks of CHUNK_SIZE', async () => {
  const data = randomBytes(CHUNK_SIZE * 2 + 12345);
  await withFile(data, async (path) => {
    const { data: got, sizes } = await collect(readFileChunks(path));
    assert.ok(got.equals(data));
    assert.deepEqual(sizes, [CHUNK_SIZE, CHUNK_SIZE, 12345]);
  });
});

test('readHandleChunks with a length reads exactly that many bytes of a longer file', async () => {
  const data = randomBytes(CHUNK_SIZE + 500);
  await withFile(data, async (path) => {
    const fh = await open(path, 'r');
    try {
      const { data: got } = await collect(readHandleChunks(fh, CHUNK_SIZE + 100));
      assert.ok(got.equals(data.subarray(0, CHUNK_SIZE + 100)));
    } finally {
      await fh.close();
    }
  });
});

test('readHandleChunks with a length throws the given error when the file is shorter', async () => {
  await withFile(randomBytes(1000), async (path) => {
    const fh = await open(path, 'r');
    try {
      await assert.rejects(collect(readHandleChunks(fh, 2000, () => new Error('shrank underfoot'))), /shrank underfoot/);
    } finally {
      await fh.close();
    }
  });
});

test('readHandleChunks of an empty file or a zero length yields nothing', async () => {
  await withFile(Buffer.alloc(0), async (path) => {
    const fh = await open(path, 'r');
    try {
      assert.deepEqual((await collect(readHandleChunks(fh))).sizes, []);
      assert.deepEqual((await collect(readHandleChunks(fh, 0))).sizes, []);
    } finally {
      await fh.close();
    }
  });
});
