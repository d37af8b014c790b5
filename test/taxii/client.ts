/**
 * A TAXII 2.1 client that makes the requests the OASIS `taxii2-client` (v21) makes and checks what
 * it checks: `Accept: application/taxii+json;version=2.1` on every request, a trailing `/` added to
 * every endpoint URL, HTTP Basic when given a user and password, an answer refused unless its
 * Content-Type holds every token of the Accept header, the required fields of each resource,
 * the collection's `id` inside its URL, and paging as `as_pages` does it (`limit`, then `next`
 * while `more`). Written from reading that client; none of its code.
 */
import { expect } from 'vitest';

export const TAXII_ACCEPT = 'application/taxii+json;version=2.1';

export interface Auth {
  user: string;
  password: string;
}

export interface TaxiiAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export class TaxiiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Headers,
  ) {
    super(`TAXII server answered ${status}: ${JSON.stringify(body)}`);
  }
}

export class TaxiiClient {
  constructor(private readonly auth: Auth) {}

  /** Adds the trailing slash the client adds to every endpoint it is given. */
  static endpoint(url: string): string {
    return url.endsWith('/') ? url : `${url}/`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const basic = Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64');
    return { accept: TAXII_ACCEPT, authorization: `Basic ${basic}`, ...extra };
  }

  async get<T = Record<string, unknown>>(
    url: string,
    params: Record<string, string | number | undefined> = {},
  ): Promise<TaxiiAnswer<T>> {
    const target = new URL(url);
    for (const [name, value] of Object.entries(params))
      if (value !== undefined) target.searchParams.set(name, String(value));
    const response = await fetch(target, { headers: this.headers() });
    return this.read<T>(response);
  }

  async post<T = Record<string, unknown>>(url: string, envelope: unknown): Promise<TaxiiAnswer<T>> {
    const response = await fetch(url, {
      method: 'POST',
      headers: this.headers({ 'content-type': TAXII_ACCEPT }),
      body: Buffer.from(JSON.stringify(envelope), 'utf8'),
    });
    return this.read<T>(response);
  }

  private async read<T>(response: Response): Promise<TaxiiAnswer<T>> {
    const body = (await response.json()) as T;
    if (response.status >= 400) throw new TaxiiError(response.status, body, response.headers);
    // valid_content_type: every token of Accept (spaces removed, split on `;`) is in Content-Type, whose first is the TAXII type.
    const contentType = (response.headers.get('content-type') ?? '').replace(/ /g, '').split(';');
    const accept = TAXII_ACCEPT.replace(/ /g, '').split(';');
    expect(
      accept.every((token) => contentType.includes(token)) && contentType[0] === 'application/taxii+json',
      `Content-Type ${response.headers.get('content-type')}`,
    ).toBe(true);
    return { status: response.status, headers: response.headers, body };
  }

  /** Server.refresh: the discovery resource, with its API roots resolved against its URL. */
  async discover(url: string) {
    const endpoint = TaxiiClient.endpoint(url);
    const { body } = await this.get<{ title?: string; default?: string; api_roots?: string[] }>(endpoint);
    expect(body.title, 'No title in Server').toBeTruthy();
    return {
      ...body,
      apiRoots: (body.api_roots ?? []).map((root) => TaxiiClient.endpoint(new URL(root, endpoint).toString())),
    };
  }

  /** ApiRoot.refresh_information and refresh_collections. */
  async apiRoot(url: string) {
    const { body } = await this.get<{ title?: string; versions?: string[]; max_content_length?: number }>(url);
    expect(body.title, 'No title in API Root').toBeTruthy();
    expect(body.versions, 'No versions in API Root').toBeTruthy();
    expect(body.max_content_length, 'No max_content_length in API Root').not.toBeUndefined();
    const collections = await this.get<{ collections?: CollectionResource[] }>(`${url}collections/`);
    return {
      ...body,
      collections: (collections.body.collections ?? []).map((c) => ({
        ...c,
        url: TaxiiClient.endpoint(`${url}collections/${c.id}`),
      })),
    };
  }

  /** Collection.refresh and _validate_collection. */
  async collection(url: string) {
    const { body } = await this.get<Partial<CollectionResource>>(url);
    expect(body.id, 'No id in Collection').toBeTruthy();
    expect(body.title, 'No title in Collection').toBeTruthy();
    expect(body.can_read, 'No can_read in Collection').not.toBeUndefined();
    expect(body.can_write, 'No can_write in Collection').not.toBeUndefined();
    expect(url.includes(body.id!), 'The collection id does not match the url').toBe(true);
    return body;
  }

  /** as_pages(collection.get_objects, per_request): `limit` first, then `next` (and the same limit) while `more`. */
  async *pages(collectionUrl: string, perRequest: number, filters: Record<string, string> = {}, resource = 'objects') {
    let answer = await this.get<Envelope>(`${collectionUrl}${resource}/`, { ...filters, limit: perRequest });
    yield answer;
    const got = answer.body.objects?.length ?? 0;
    // The client takes the server's page size when it answers with another.
    if (answer.body.more && got !== perRequest) perRequest = got;
    while (answer.body.more) {
      expect(answer.body.next, 'more without next: the client would loop forever').toBeTruthy();
      answer = await this.get<Envelope>(`${collectionUrl}${resource}/`, {
        ...filters,
        limit: perRequest,
        next: answer.body.next,
      });
      yield answer;
    }
  }

  /** Collection.add_objects: POST the envelope, then the status at `../../status/{id}` (no trailing slash). */
  async addObjects(collectionUrl: string, envelope: unknown) {
    const posted = await this.post<Status>(`${collectionUrl}objects/`, envelope);
    const statusUrl = new URL(`../../status/${posted.body.id}`, collectionUrl).toString();
    return { posted, statusUrl, status: await this.get<Status>(statusUrl) };
  }
}

export interface CollectionResource {
  id: string;
  title: string;
  description?: string;
  can_read: boolean;
  can_write: boolean;
  media_types?: string[];
}

export interface Envelope {
  more?: boolean;
  next?: string;
  objects?: Record<string, unknown>[];
}

export interface Status {
  id: string;
  status: string;
  request_timestamp?: string;
  total_count: number;
  success_count: number;
  successes?: { id: string; version: string; message?: string }[];
  failure_count: number;
  failures?: { id: string; version: string; message?: string }[];
  pending_count: number;
  pendings?: unknown[];
}

/** Status._validate_status: the required fields and the counts adding up. */
export function expectValidStatus(status: Status): void {
  for (const field of ['id', 'status', 'total_count', 'success_count', 'failure_count', 'pending_count'] as const)
    expect(status[field], field).not.toBeUndefined();
  if (status.successes?.length) expect(status.successes.length).toBe(status.success_count);
  if (status.failures?.length) expect(status.failures.length).toBe(status.failure_count);
  expect(status.success_count + status.pending_count + status.failure_count).toBe(status.total_count);
}
