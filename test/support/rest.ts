/** One REST call on a test app (in-process), its status and its JSON body (null when empty). */
import type { TestApp } from './app.js';

export async function callJson(t: TestApp, key: string | null, method: string, url: string, body?: unknown) {
  const response = await t.fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  // Tests read answers whose shape their assertions check.
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, any>) : null };
}
