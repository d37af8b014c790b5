/**
 * Finding 8 of the second security review (docs/api.md §12): a TAXII status larger than the envelope
 * that made it (100,000 objects of an unknown type gave a 30 MB status, stored and served again),
 * and parallel POSTs of one key holding several 6.5 MB envelopes in memory at once.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownCollectionId } from '../../src/taxii/collections.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TAXII_ACCEPT } from '../taxii/client.js';
import { until } from '../support/timing.js';

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let workspaceId: string;
let key: string;

beforeAll(async () => {
  t = await createTestApp();
  server = await t.listen();
  workspaceId = (await t.createWorkspace()).id;
  key = (await t.createKey(workspaceId)).key;
});
afterAll(async () => {
  await server.close();
  await t.close();
});

const post = (body: string, as = key) =>
  fetch(`${server.url}/taxii2/api/collections/${ownCollectionId(workspaceId)}/objects/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${as}`, accept: TAXII_ACCEPT, 'content-type': TAXII_ACCEPT },
    body,
  });

describe('finding 8: TAXII statuses and POSTs', () => {
  it('100,000 objects of an unknown type make a status smaller than the envelope, with exact counts and 1,000 failures listed', async () => {
    const objects = Array.from({ length: 100_000 }, (_, i) => ({
      type: 'x-unknown',
      id: `x-unknown--${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
    }));
    const envelope = JSON.stringify({ objects });
    const answer = await post(envelope);
    expect(answer.status).toBe(202);
    const text = await answer.text();
    const status = JSON.parse(text) as Record<string, unknown> & { failures: unknown[]; id: string };
    expect(status).toMatchObject({
      status: 'complete',
      total_count: 100_000,
      success_count: 0,
      failure_count: 100_000,
      pending_count: 0,
    });
    expect(status.failures).toHaveLength(1000);
    expect(status.failures[0]).toEqual({
      id: objects[0]!.id,
      version: expect.any(String),
      message: 'objects of type x-unknown are not kept',
    });
    expect(text.length).toBeLessThan(envelope.length);
    // Served again as stored: the same bounded resource.
    const again = await fetch(`${server.url}/taxii2/api/status/${status.id}/`, {
      headers: { authorization: `Bearer ${key}`, accept: TAXII_ACCEPT },
    });
    expect(await again.text()).toBe(text);
  });

  it('a second POST of the same key while one runs is refused 429 with Retry-After, as a TAXII error; another key is not held back', async () => {
    const small = JSON.stringify({
      objects: [
        {
          type: 'domain-name',
          spec_version: '2.1',
          id: 'domain-name--00000000-0000-4000-8000-000000000001',
          value: 'parallel.example',
        },
      ],
    });
    const otherKey = (await t.createKey(workspaceId)).key;
    // The first POST sends its headers and a part of its body, then waits: it holds the key's slot
    // from the moment it is admitted, before its body is read.
    const stalledPost = () => {
      const request = http.request(`${server.url}/taxii2/api/collections/${ownCollectionId(workspaceId)}/objects/`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          accept: TAXII_ACCEPT,
          'content-type': TAXII_ACCEPT,
          'content-length': String(Buffer.byteLength(small)),
        },
      });
      const answer = new Promise<number>((resolve, reject) => {
        request.on('response', (response) => {
          response.resume().on('end', () => resolve(response.statusCode ?? 0));
        });
        request.on('error', reject);
      });
      request.write(small.slice(0, 20));
      return { request, answer };
    };
    const first = stalledPost();
    // The server holds the first's slot from the moment it admits it, before its body is read.
    await until(
      () => t.openAnswers.openEnvelopes,
      (n) => n === 1,
    );
    const second = await post(small);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await second.json()).toMatchObject({
      http_status: '429',
      error_code: 'rate_limited',
      description: 'Rate limit exceeded: this API key is already adding an envelope; wait for its status.',
    });
    expect((await post(small)).status).toBe(429);
    expect((await post(small, otherKey)).status).toBe(202);
    first.request.end(small.slice(20));
    expect(await first.answer).toBe(202);
    // Once the first is done, the key may post again.
    expect((await post(small)).status).toBe(202);
  }, 60_000);
});
