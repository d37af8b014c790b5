/**
 * Webhooks: where the workspace's alerts are POSTed, signed per Standard Webhooks. Create an
 * endpoint (its signing secret shown once, with a copy button), turn it off and on, rotate its
 * secret, delete it (after a confirmation), and read each endpoint's delivery log: every attempt
 * with its HTTP status or error, and a button to send a delivery again.
 */
import {
  CREATE_ENDPOINT,
  DELETE_ENDPOINT,
  DELIVERIES,
  ENDPOINTS,
  RETRY_DELIVERY,
  ROTATE_ENDPOINT,
  UPDATE_ENDPOINT,
  type Delivery,
  type Endpoint,
  type Page,
} from '../api.js';
import { announce, busy, cell, confirmDialog, copyButton, dialog, h, table, when, words, present } from '../dom.js';
import { moreButton, type PageDefinition, type Session } from './page.js';

export const webhooksPage: PageDefinition = {
  path: 'webhooks',
  title: 'Webhooks',
  permission: 'WEBHOOKS_READ',
  async render(root, session) {
    const canWrite = session.can('WEBHOOKS_WRITE');
    const list = h('div', { id: 'endpoints' });
    const pageError = h('p', { class: 'error', role: 'alert' });
    const load = async () => {
      const { webhookEndpoints } = await session.api.request<{ webhookEndpoints: Endpoint[] }>(ENDPOINTS);
      list.replaceChildren(...webhookEndpoints.map((endpoint) => endpointCard(session, endpoint, canWrite, pageError)));
      if (webhookEndpoints.length === 0)
        list.append(h('p', { class: 'help', id: 'no-endpoints' }, 'No endpoints yet.'));
    };
    root.append(
      h(
        'p',
        { class: 'help' },
        'Every new alert is POSTed to each enabled endpoint, signed with its secret (headers webhook-id, webhook-timestamp, webhook-signature). Failed deliveries are tried again for up to a day.',
      ),
      canWrite
        ? createForm(session, list)
        : h('p', { class: 'help' }, 'This key can see endpoints but not change them (it lacks webhooks:write).'),
      pageError,
      list,
    );
    await load();
  },
};

function showSecret(title: string, secret: string, onClose: () => void): void {
  const value = h('input', {
    id: 'webhook-secret',
    readonly: true,
    value: secret,
    'aria-describedby': 'webhook-secret-warning',
    spellcheck: 'false',
  });
  const { button, status } = copyButton(value, 'copy-webhook-secret');
  const element = dialog(
    title,
    [
      h(
        'p',
        { id: 'webhook-secret-warning', class: 'warning' },
        h('strong', {}, 'Copy it now: you will not see this secret again. '),
        'Your receiver verifies every delivery with it.',
      ),
      h('label', { for: 'webhook-secret' }, 'Signing secret'),
      h('div', { class: 'secret-row' }, value, button),
      status,
      h(
        'div',
        { class: 'buttons' },
        h('button', { type: 'button', onclick: () => element.close() }, 'I have copied it'),
      ),
    ],
    () => {
      value.value = '';
      onClose();
    },
  );
  value.select();
  button.focus();
}

function createForm(session: Session, list: HTMLElement): HTMLElement {
  const url = h('input', {
    id: 'new-endpoint-url',
    name: 'url',
    type: 'url',
    required: true,
    maxlength: '2048',
    autocomplete: 'off',
    placeholder: 'https://siem.example/hooks/alerts',
    'aria-describedby': 'new-endpoint-help',
  });
  const description = h('input', {
    id: 'new-endpoint-description',
    name: 'description',
    maxlength: '500',
    autocomplete: 'off',
  });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Add endpoint');
  return h(
    'form',
    {
      class: 'card inline-form',
      'aria-labelledby': 'new-endpoint-title',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        error.textContent = '';
        const done = busy(submit, 'Adding…');
        try {
          const { createWebhookEndpoint } = await session.api.request<{
            createWebhookEndpoint: { endpoint: Endpoint; secret: string };
          }>(CREATE_ENDPOINT, {
            input: { url: url.value.trim(), description: description.value.trim() || null },
          });
          document.getElementById('no-endpoints')?.remove();
          const card = endpointCard(session, createWebhookEndpoint.endpoint, true, error);
          list.append(card);
          url.value = '';
          description.value = '';
          done();
          showSecret('Your endpoint’s signing secret', createWebhookEndpoint.secret, () => {
            announce(`Endpoint ${createWebhookEndpoint.endpoint.url} added.`);
            card.querySelector<HTMLElement>('h2')?.focus();
          });
        } catch (failure) {
          done();
          error.textContent = (failure as Error).message;
        }
      },
    },
    h('h2', { id: 'new-endpoint-title' }, 'New endpoint'),
    h(
      'div',
      { class: 'fields' },
      h(
        'div',
        { class: 'grow' },
        h('label', { for: 'new-endpoint-url' }, 'URL'),
        url,
        h('p', { class: 'help', id: 'new-endpoint-help' }, 'https, on a public address. At most 10 endpoints.'),
      ),
      h('div', {}, h('label', { for: 'new-endpoint-description' }, 'Description (optional)'), description),
    ),
    error,
    submit,
  );
}

function endpointCard(session: Session, initial: Endpoint, canWrite: boolean, pageError: HTMLElement): HTMLElement {
  let endpoint = initial;
  const card = h('section', {
    class: 'card endpoint',
    'data-endpoint': endpoint.id,
    'aria-labelledby': `ep-${endpoint.id}`,
  });
  const deliveries = h('div', { class: 'deliveries' });

  const render = () => {
    const actions = h('div', { class: 'actions' });
    if (canWrite) {
      const toggle = h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'aria-label': `${endpoint.enabled ? 'Disable' : 'Enable'} ${endpoint.url}`,
        },
        endpoint.enabled ? 'Disable' : 'Enable',
      );
      toggle.addEventListener('click', async () => {
        const done = busy(toggle, 'Saving…');
        try {
          endpoint = (
            await session.api.request<{ updateWebhookEndpoint: Endpoint }>(UPDATE_ENDPOINT, {
              id: endpoint.id,
              input: { enabled: !endpoint.enabled },
            })
          ).updateWebhookEndpoint;
          render();
          announce(`Endpoint ${endpoint.enabled ? 'enabled' : 'disabled'}.`);
          card.querySelector<HTMLButtonElement>('button')?.focus();
        } catch (failure) {
          done();
          pageError.textContent = (failure as Error).message;
        }
      });
      const rotate = h(
        'button',
        { type: 'button', class: 'secondary', 'aria-label': `Rotate secret of ${endpoint.url}` },
        'Rotate secret',
      );
      rotate.addEventListener('click', async () => {
        const confirmed = await confirmDialog(
          'Rotate the signing secret?',
          [
            h(
              'p',
              {},
              'A new secret signs every delivery from now on; the current one signs alongside it for 24 hours, so your receiver can switch without missing any.',
            ),
          ],
          'Rotate secret',
          rotate,
        );
        if (!confirmed) return;
        try {
          const { rotateWebhookSecret } = await session.api.request<{
            rotateWebhookSecret: { endpoint: Endpoint; secret: string };
          }>(ROTATE_ENDPOINT, { id: endpoint.id });
          endpoint = rotateWebhookSecret.endpoint;
          showSecret('The new signing secret', rotateWebhookSecret.secret, () => {
            render();
            card.querySelector<HTMLButtonElement>('button[aria-label^="Rotate secret"]')?.focus();
          });
        } catch (failure) {
          pageError.textContent = (failure as Error).message;
          rotate.focus();
        }
      });
      const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${endpoint.url}` }, 'Delete');
      remove.addEventListener('click', async () => {
        const confirmed = await confirmDialog(
          `Delete ${endpoint.url}?`,
          [h('p', {}, 'Nothing more is sent there, and its delivery log goes with it. This cannot be undone.')],
          'Delete endpoint',
          remove,
        );
        if (!confirmed) return;
        try {
          await session.api.request(DELETE_ENDPOINT, { id: endpoint.id });
          card.remove();
          announce('Endpoint deleted.');
          document.getElementById('new-endpoint-url')?.focus();
        } catch (failure) {
          pageError.textContent = (failure as Error).message;
          remove.focus();
        }
      });
      actions.append(toggle, rotate, remove);
    }
    card.replaceChildren(
      h(
        'div',
        { class: 'card-head' },
        h(
          'div',
          {},
          h('h2', { id: `ep-${endpoint.id}`, tabindex: '-1', class: 'url' }, endpoint.url),
          h(
            'p',
            { class: 'help' },
            h(
              'span',
              { class: `badge ${endpoint.enabled ? 'active' : 'revoked'}` },
              endpoint.enabled ? 'Enabled' : 'Disabled',
            ),
            endpoint.disabledReason ? ` ${endpoint.disabledReason}` : '',
            endpoint.description ? ` · ${endpoint.description}` : '',
            endpoint.previousSecretExpiresAt
              ? h('span', {}, ' · the previous secret stops signing ', when(endpoint.previousSecretExpiresAt))
              : '',
          ),
        ),
        actions,
      ),
      deliveries,
    );
    void showDeliveries();
  };

  const showDeliveries = async () => {
    const error = h('p', { class: 'error', role: 'alert' });
    const tbody = h('tbody', {});
    let after: string | null = null;
    const load = async (): Promise<boolean> => {
      const { webhookDeliveries } = await session.api.request<{ webhookDeliveries: Page<Delivery> }>(DELIVERIES, {
        id: endpoint.id,
        after,
      });
      tbody.append(...webhookDeliveries.edges.map(({ node }) => deliveryRow(node)));
      after = webhookDeliveries.pageInfo.endCursor;
      return webhookDeliveries.pageInfo.hasNextPage;
    };
    const deliveryRow = (delivery: Delivery): HTMLTableRowElement => {
      const last = delivery.attempts.at(-1);
      const retry = canWrite
        ? h(
            'button',
            { type: 'button', class: 'secondary', 'aria-label': `Retry delivery ${delivery.id.slice(0, 8)}` },
            'Retry',
          )
        : null;
      retry?.addEventListener('click', async () => {
        const done = busy(retry, 'Sending…');
        try {
          const { retryWebhookDelivery } = await session.api.request<{ retryWebhookDelivery: Delivery }>(
            RETRY_DELIVERY,
            { id: delivery.id },
          );
          const replacement = deliveryRow(retryWebhookDelivery);
          row.replaceWith(replacement);
          announce('Delivery queued to be sent again now.');
          replacement.querySelector<HTMLButtonElement>('button')?.focus();
        } catch (failure) {
          done();
          error.textContent = (failure as Error).message;
        }
      });
      const attempts = delivery.attempts
        .map(
          (a) => `${new Date(a.at).toLocaleTimeString()}: ${a.status ?? a.error ?? 'no answer'} (${a.durationMs} ms)`,
        )
        .join('; ');
      const row = h(
        'tr',
        { 'data-delivery': delivery.id, 'data-status': delivery.status },
        cell('Created', when(delivery.createdAt)),
        cell(
          'Status',
          h(
            'span',
            {
              class: `badge ${delivery.status === 'DELIVERED' ? 'active' : delivery.status === 'FAILED' ? 'revoked' : 'rotating'}`,
            },
            words(delivery.status),
          ),
        ),
        cell(
          'Attempts',
          String(delivery.attemptCount),
          attempts ? h('span', { class: 'help attempts' }, ` ${attempts}`) : null,
        ),
        cell('Last answer', last ? (last.status !== null ? `HTTP ${last.status}` : (last.error ?? '—')) : '—'),
        cell('Next attempt', delivery.status === 'PENDING' ? when(delivery.nextAttemptAt, 'soon') : '—'),
        h('td', { class: 'actions', 'data-label': 'Actions' }, retry),
      );
      return row;
    };
    const hasMore = await load().catch((failure: Error) => ((error.textContent = failure.message), false));
    const wrap = table(
      `Deliveries to ${endpoint.url}, newest first`,
      ['Created', 'Status', 'Attempts', 'Last answer', 'Next attempt', 'Actions'],
      [],
    );
    wrap.querySelector('tbody')!.replaceWith(tbody);
    deliveries.replaceChildren(
      ...present(
        h('h3', {}, 'Deliveries'),
        tbody.children.length
          ? wrap
          : h('p', { class: 'help' }, 'Nothing sent yet: deliveries appear here when alerts are raised.'),
        error,
        hasMore ? moreButton('Show more deliveries', load, (message) => (error.textContent = message)) : null,
      ),
    );
  };

  render();
  return card;
}
