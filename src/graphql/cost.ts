/**
 * What a document may ask for, counted with its variables (docs/api.md §7): the number of values its
 * answer can hold at most. A field counts once for each parent it can appear under; a field with a
 * page size (`first`, or TAXII's `limit`; literal, variable or default) multiplies what it selects by that size; a list
 * of objects without one (`Watchlist.entries`) is priced at its maximum (`extensions.maxItems`); a
 * field that runs statements of its own (a summary) adds its `extensions.cost`.
 * graphql-armor's cost rule reads literals only, so `iocs(first: $n)` escaped it.
 */
import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  Kind,
  valueFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * One page of 1000 IOCs with every field is about 18,000 values; the workspace's 50 watchlists
 * with three fields of up to 1000 entries each about 150,000. 250,000 admits either, and refuses
 * what the review found: 30 full IOC pages (540,000) or 10 copies of the watchlists (1,500,000).
 */
export const MAX_COST = 250_000;

/** A list of objects with no page size and no declared maximum is priced at this many items. */
const UNBOUNDED_LIST_ITEMS = 1000;

export interface CostedOperation {
  /** The cost with these variables; constant when no page size comes from a variable. */
  cost(variables: Record<string, unknown> | undefined): number;
}

export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): CostedOperation {
  const root = schema.getRootType(operation.operation);
  const usesVariables = operation.variableDefinitions?.length ?? 0;
  const count = (variables: Record<string, unknown> | undefined) =>
    root ? selectionCost(root, operation.selectionSet, fragments, variables ?? {}, new Set()) : 0;
  if (!usesVariables) {
    const constant = count(undefined);
    return { cost: () => constant };
  }
  return { cost: count };
}

function selectionCost(
  parent: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  visiting: Set<string>,
): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) total += fieldCost(parent, selection, fragments, variables, visiting);
    else {
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && visiting.has(selection.name.value))) continue;
      // The schema has no interfaces or unions: a valid fragment here is on `parent` itself.
      if (selection.kind === Kind.FRAGMENT_SPREAD) visiting.add(selection.name.value);
      total += selectionCost(parent, fragment.selectionSet, fragments, variables, visiting);
      if (selection.kind === Kind.FRAGMENT_SPREAD) visiting.delete(selection.name.value);
    }
  }
  return total;
}

function fieldCost(
  parent: GraphQLObjectType,
  node: FieldNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  visiting: Set<string>,
): number {
  const name = node.name.value;
  if (name.startsWith('__')) return 1;
  const field = parent.getFields()[name];
  if (!field) return 1;
  // A field that runs statements of its own beyond its values (an aggregate) says what it weighs.
  const own = typeof field.extensions?.cost === 'number' ? field.extensions.cost : 0;
  const type = getNamedType(field.type);
  if (!node.selectionSet || !isObjectType(type)) return 1 + own;
  const items = itemsOf(parent, field, node, variables);
  return 1 + own + items * selectionCost(type, node.selectionSet, fragments, variables, visiting);
}

/** How many items a field's selection is repeated for: its page size, its list maximum, or 1. */
function itemsOf(
  parent: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Record<string, unknown>,
): number {
  // `first` for connections; TAXII's pages (`objects`, `manifest`) say `limit`.
  const first = field.args.find((arg) => arg.name === 'first' || arg.name === 'limit');
  if (first) {
    const given = node.arguments?.find((arg) => arg.name.value === first.name);
    const value = given ? valueFromAST(given.value, first.type, variables) : first.defaultValue;
    // An invalid or absent size is refused when the field runs; price it at the largest page.
    return typeof value === 'number' && value > 0 ? Math.min(value, UNBOUNDED_LIST_ITEMS) : UNBOUNDED_LIST_ITEMS;
  }
  // A connection's `edges` are the page its field's `first` already priced.
  if (parent.name.endsWith('Connection')) return 1;
  if (isListType(getNullableType(field.type))) {
    const declared = field.extensions?.maxItems;
    return typeof declared === 'number' ? declared : UNBOUNDED_LIST_ITEMS;
  }
  return 1;
}
