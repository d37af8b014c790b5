/** What the webhook code of a process shares: the secrets' key, the URL policy, the retry schedule. */
import { SecretBox } from './secrets.js';
import { STRICT_POLICY, type UrlPolicy } from '../http/urlPolicy.js';

export interface WebhookSettings {
  secrets: SecretBox;
  policy: UrlPolicy;
  /** Seconds to wait before each retry (docs/api.md §10: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h). */
  retrySchedule: readonly number[];
}

declare module '../graphql/context.js' {
  interface Services {
    /** How webhook secrets are sealed and where endpoints may point. */
    readonly webhooks: WebhookSettings;
  }
}

export const RETRY_SCHEDULE = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400] as const;

/** Settings for a process that never signs what another process sealed (tests, tools). */
export function defaultWebhookSettings(): WebhookSettings {
  return { secrets: SecretBox.ephemeral(), policy: STRICT_POLICY, retrySchedule: RETRY_SCHEDULE };
}
