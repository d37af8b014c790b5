/** The schema index: every type file registers its own fields; this module only gathers them. */
import { builder } from '../graphql/builder.js';
import '../graphql/scalars.js';
import '../workspaces/types.js';
import '../workspaces/viewer.js';
import '../workspaces/domainsSchema.js';
import '../keys/schema.js';
import '../iocs/schema.js';
import '../iocs/exclusionsSchema.js';
import '../watchlists/schema.js';
import '../dataleaks/schema.js';
import '../alerts/schema.js';
import '../webhooks/schema.js';
import '../taxii/schema.js';
import '../feeds/schema.js';
import '../feeds/servedSchema.js';

export const schema = builder.toSchema();
