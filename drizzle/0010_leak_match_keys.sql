-- The match keys of a credential leak (src/alerts/matching.ts builds the same in the importer):
-- `e:` and its email, `d:` and its email's domain and site with each parent down to two labels.
-- An import computes them itself while some watchlist could match, and leaves them to this
-- function otherwise: an entry added while a batch is on its way is still matched.
CREATE FUNCTION leak_match_keys(email text, domain_key text, site_key text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(DISTINCT k) FROM (
    SELECT 'e:' || email AS k WHERE email IS NOT NULL
    UNION ALL
    SELECT 'd:' || array_to_string(labels[1:n], '.') || '.'
    FROM (SELECT string_to_array(rtrim(key, '.'), '.') AS labels FROM unnest(ARRAY[domain_key, site_key]) AS keys(key) WHERE key IS NOT NULL) AS split,
      generate_series(2, array_length(labels, 1)) AS n
  ) AS keys
$$;
