/**
 * Domain verification over GraphQL (docs/api.md §15): `scope { domainEntries }` on the workspace, and
 * `claimDomain`, `verifyDomain`, `removeDomain` behind `scope:write`. REST's `/api/v1/scope` routes
 * run these operations (src/rest/routes.ts).
 */
import { builder } from '../graphql/builder.js';
import { requestActor } from '../keys/audit.js';
import { ScopeDomainStatusEnum } from '../graphql/enums.js';
import { claimDomain, listScope, removeDomain, verifyDomain, type DomainRecord, type ScopeDomain } from './domains.js';
import { WorkspaceScopeRef } from './types.js';

const DnsRecordRef = builder.objectRef<DomainRecord>('DnsRecord').implement({
  description: 'The DNS record that proves the domain: publish it, then verify.',
  fields: (t) => ({
    type: t.exposeString('type'),
    name: t.exposeString('name'),
    value: t.exposeString('value'),
  }),
});

const ScopeDomainRef = builder.objectRef<ScopeDomain>('ScopeDomain').implement({
  fields: (t) => ({
    domain: t.exposeString('domain'),
    status: t.field({ type: ScopeDomainStatusEnum, resolve: (entry) => entry.status }),
    addedAt: t.expose('addedAt', { type: 'DateTime' }),
    verifiedAt: t.expose('verifiedAt', { type: 'DateTime', nullable: true }),
    record: t.field({
      type: DnsRecordRef,
      nullable: true,
      description: 'The TXT record to publish; null for an operator’s entry.',
      resolve: (entry) => entry.record,
    }),
  }),
});

const ClaimDomainResultRef = builder
  .objectRef<{ claim: ScopeDomain; created: boolean }>('ClaimDomainResult')
  .implement({
    fields: (t) => ({
      claim: t.field({ type: ScopeDomainRef, resolve: (result) => result.claim }),
      created: t.exposeBoolean('created', { description: 'False when the workspace had claimed it already.' }),
    }),
  });

builder.objectField(WorkspaceScopeRef, 'domainEntries', (t) =>
  t.field({
    type: [ScopeDomainRef],
    description:
      'Every domain of the scope with its status: claims proven by DNS (or not yet), and operators’ entries.',
    resolve: async (scope, _args, { db }) => (await listScope(db, scope.workspaceId)).domains,
  }),
);

const DOMAIN_ARG_DESCRIPTION = 'A domain name (`acme.example`); its subdomains come with it.';

builder.mutationFields((t) => ({
  claimDomain: t.field({
    type: ClaimDomainResultRef,
    description:
      'Claims a domain for the workspace’s scope and answers the TXT record to publish; claiming it again answers the same record.',
    authScopes: { permission: 'scope:write' },
    args: { domain: t.arg.string({ required: true, description: DOMAIN_ARG_DESCRIPTION }) },
    resolve: (_root, { domain }, { db, principal }) => claimDomain(db, principal.workspace.id, domain),
  }),
  verifyDomain: t.field({
    type: ScopeDomainRef,
    description:
      'Looks the claim’s TXT record up: found, the domain is verified and in the scope at once; not found, `verification_failed` with what was there.',
    authScopes: { permission: 'scope:write' },
    args: { domain: t.arg.string({ required: true, description: DOMAIN_ARG_DESCRIPTION }) },
    resolve: async (_root, { domain }, context) => {
      const workspaceId = context.principal.workspace.id;
      const verified = await verifyDomain(context.db, context.txtLookup, workspaceId, domain, requestActor(context));
      context.scopeChanged(workspaceId);
      return verified;
    },
  }),
  removeDomain: t.boolean({
    description:
      'Removes the workspace’s claim, and the domain from the scope. An operator’s entry cannot be removed here.',
    authScopes: { permission: 'scope:write' },
    args: { domain: t.arg.string({ required: true, description: DOMAIN_ARG_DESCRIPTION }) },
    resolve: async (_root, { domain }, context) => {
      await removeDomain(context.db, context.principal.workspace.id, domain, requestActor(context));
      context.scopeChanged(context.principal.workspace.id);
      return true;
    },
  }),
}));
