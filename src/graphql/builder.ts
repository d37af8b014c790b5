/** Pothos configuration only: plugins, context type, scalars, and the permission scope loader. */
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import type { Permission } from '../core/permissions.js';
import { ApiError } from '../core/errors.js';
import type { Context } from './context.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: { permission: Permission };
  Scalars: {
    DateTime: { Input: string; Output: string };
    StixObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    MispDocument: { Input: never; Output: object };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // A subscription is refused when it starts, not event by event after it was opened.
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      permission: (permission) => context.principal.key.permissions.includes(permission),
    }),
    // Every field names the permission it needs (`authScopes: { permission: '…' }`); the answer
    // to a key without it is the §4 `forbidden`, never a silent null.
    unauthorizedError: (_parent, _context, _info, result) => {
      const permission = missingPermission(result.failure);
      return permission
        ? new ApiError('forbidden', `Forbidden: this API key lacks the ${permission} permission.`, {
            reason: { reason: 'missing_permission', permission },
          })
        : new ApiError('forbidden', 'Forbidden.');
    },
  },
});

/** The permission named by a scope-auth failure, however deeply the plugin nested it. */
function missingPermission(failure: AuthFailure): string | undefined {
  if (failure.kind === AuthScopeFailureType.AuthScope) return String(failure.parameter);
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    for (const inner of failure.failures) {
      const permission = missingPermission(inner);
      if (permission) return permission;
    }
  }
  return undefined;
}

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export type Types = typeof builder.$inferSchemaTypes;
