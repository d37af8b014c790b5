/** `viewer`: the calling key and its workspace. Any valid key may ask who it is. */
import { ApiKeyRef } from '../keys/schema.js';
import { findApiKey } from '../keys/repository.js';
import { builder } from '../graphql/builder.js';
import { ApiError } from '../core/errors.js';
import { WorkspaceRef } from './types.js';

const ViewerRef = builder.objectRef<Record<string, never>>('Viewer').implement({
  description: 'The calling API key and the workspace it belongs to.',
  fields: (t) => ({
    key: t.field({
      type: ApiKeyRef,
      resolve: async (_viewer, _args, { db, principal }) => {
        const key = await findApiKey(db, principal.key.id);
        // The key was verified a moment ago; gone now means it was deleted in between.
        if (!key) throw new ApiError('expired_api_key');
        return key;
      },
    }),
    workspace: t.field({
      type: WorkspaceRef,
      resolve: (_viewer, _args, { principal }) => ({ ...principal.workspace, scope: principal.scope }),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    // Needs no permission: it tells a key only about itself.
    skipTypeScopes: true,
    resolve: () => ({}),
  }),
);
