/**
 * The console's one way to the server: the key-management GraphQL operations, sent with the
 * signed-in key, and the API's error codes turned into sentences a person can act on.
 */
import { ClientError, GraphQLClient } from 'graphql-request';

const STORAGE_KEY = 'ti-console-api-key';

/** The key lives in this tab's session storage only: closing the tab or signing out forgets it. */
export const session = {
  get: (): string | null => sessionStorage.getItem(STORAGE_KEY),
  set: (key: string) => sessionStorage.setItem(STORAGE_KEY, key),
  clear: () => sessionStorage.removeItem(STORAGE_KEY),
};

export class ConsoleError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

interface ApiErrorShape {
  message: string;
  extensions?: { code?: string; request_id?: string; parameter?: string };
}

/** What to tell a person for each code of the API's vocabulary (API.md §4). */
function sentence(error: ApiErrorShape, context: { keyLimit?: number }): string {
  const code = error.extensions?.code ?? '';
  switch (code) {
    case 'missing_api_key':
    case 'invalid_api_key':
      return 'That API key is not valid. Check that you pasted all of it, starting with sk_live_.';
    case 'expired_api_key':
      return 'This API key has been revoked or has expired. Sign in with another admin key.';
    case 'forbidden':
      return error.message.startsWith('Forbidden: this API key lacks')
        ? `This key is not allowed to do that: ${error.message.replace(/^Forbidden: this API key lacks the (\S+) permission\./, 'it lacks the $1 permission.')}`
        : `Not allowed: ${error.message.replace(/^Forbidden:?\s*/, '')}`;
    case 'key_limit_reached':
      return `Your plan allows ${context.keyLimit ?? 'no more'} active keys, and all of them are in use. Revoke a key you no longer need, or upgrade your plan.`;
    case 'not_found':
      return 'That key no longer exists in this workspace. The list has been refreshed.';
    case 'rate_limited':
      return 'Too many requests with this key right now. Wait a minute and try again.';
    case 'unavailable':
      return 'The service is temporarily unavailable. Try again in a moment.';
    case 'invalid_parameter':
    case 'missing_parameter':
      return error.message;
    default: {
      const id = error.extensions?.request_id;
      return `Something went wrong on our side. Try again; if it keeps happening, contact support${id ? ` and quote ${id}` : ''}.`;
    }
  }
}

export class ConsoleApi {
  private readonly client: GraphQLClient;
  /** The plan's limit, once known: it makes the key-limit message exact. */
  keyLimit: number | undefined;

  constructor(key: string) {
    this.client = new GraphQLClient(new URL('/graphql', window.location.origin).toString(), {
      headers: { authorization: `Bearer ${key}` },
    });
  }

  /** From now on, requests carry this key (after the signed-in key was rotated). */
  useKey(key: string): void {
    this.client.setHeader('authorization', `Bearer ${key}`);
  }

  async request<T>(document: string, variables?: Record<string, unknown>): Promise<T> {
    try {
      return await this.client.request<T>(document, variables);
    } catch (error) {
      if (error instanceof ClientError) {
        const [first] = (error.response.errors ?? []) as ApiErrorShape[];
        if (first) throw new ConsoleError(sentence(first, { keyLimit: this.keyLimit }), first.extensions?.code ?? 'unknown');
        if (error.response.status === 429) throw new ConsoleError(sentence({ message: '', extensions: { code: 'rate_limited' } }, {}), 'rate_limited');
      }
      throw new ConsoleError('The server could not be reached. Check your connection and try again.', 'network');
    }
  }
}

export const PERMISSIONS = [
  { name: 'IOCS_READ', label: 'Read IOCs', readOnly: true },
  { name: 'WATCHLISTS_READ', label: 'Read watchlists', readOnly: true },
  { name: 'DATALEAKS_READ', label: 'Read data leaks', readOnly: true },
  { name: 'PASSWORDS_READ', label: 'Search breached passwords', readOnly: false },
  { name: 'IOCS_WRITE', label: 'Submit IOCs', readOnly: false },
  { name: 'WATCHLISTS_WRITE', label: 'Change watchlists', readOnly: false },
  { name: 'WEBHOOKS_READ', label: 'See webhook endpoints and deliveries', readOnly: false },
  { name: 'WEBHOOKS_WRITE', label: 'Create, change and delete webhook endpoints', readOnly: false },
  { name: 'KEYS_READ', label: 'See API keys and the audit log', readOnly: false },
  { name: 'KEYS_WRITE', label: 'Create, rotate and revoke API keys', readOnly: false },
] as const;

export interface ApiKey {
  id: string;
  prefix: string;
  name: string;
  permissions: string[];
  status: 'ACTIVE' | 'ROTATING' | 'EXPIRED' | 'REVOKED';
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  rotationDue: boolean;
}

export interface Overview {
  viewer: {
    key: { id: string; name: string; permissions: string[] };
    workspace: { name: string; plan: string; keyLimit: number; activeKeys: number; scope: { domains: string[]; emails: string[]; bins: string[] } };
  };
}

export const OVERVIEW = `query ConsoleOverview {
  viewer { key { id name permissions } workspace { name plan keyLimit activeKeys scope { domains emails bins } } }
}`;

const KEY_FIELDS = 'id prefix name permissions status createdAt expiresAt lastUsedAt rotationDue';

export const KEYS = `query ConsoleKeys { apiKeys { ${KEY_FIELDS} } }`;
export const AUDIT = `query ConsoleAudit { auditEvents(first: 50) { edges { node { id action actor actorKeyPrefix targetKeyPrefix requestId createdAt } } } }`;
export const CREATE = `mutation ConsoleCreateKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { ${KEY_FIELDS} } } }`;
export const ROTATE = `mutation ConsoleRotateKey($id: ID!, $grace: Int!) { rotateApiKey(id: $id, gracePeriodSeconds: $grace) { secret apiKey { ${KEY_FIELDS} } } }`;
export const REVOKE = `mutation ConsoleRevokeKey($id: ID!) { revokeApiKey(id: $id) { ${KEY_FIELDS} } }`;

export interface AuditEvent {
  id: string;
  action: string;
  actor: 'key' | 'command line' | 'server setup';
  actorKeyPrefix: string | null;
  targetKeyPrefix: string | null;
  requestId: string | null;
  createdAt: string;
}
