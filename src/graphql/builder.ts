/** Pothos configuration only: plugins, context type, scalars, and the permission scope loader. */
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { Permission } from '../auth/permissions.js';
import { ApiError } from '../errors.js';
import type { Context } from './context.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: { permission: Permission };
  Scalars: { DateTime: { Input: string; Output: string } };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      permission: (permission) => context.principal.key.permissions.includes(permission),
    }),
    // Every field names the permission it needs (`authScopes: { permission: '…' }`); the answer
    // to a key without it is the §4 `forbidden`, never a silent null.
    unauthorizedError: (_parent, _context, _info, result) => {
      const permission = result.failure.kind === 'AuthScope' ? String(result.failure.parameter) : undefined;
      return new ApiError(
        'forbidden',
        permission ? `Forbidden: this API key lacks the ${permission} permission.` : 'Forbidden.',
      );
    },
  },
});

builder.queryType({});
