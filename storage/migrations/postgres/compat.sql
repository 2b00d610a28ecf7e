-- Run on PostgreSQL before migration 0001: SQLite's aggregates the storage modules' queries use,
-- so the same SQL text runs on both. SQLite's sum() of a comparison counts the true ones (NULL
-- when every value is NULL); group_concat joins the non-NULL values with a separator.
CREATE FUNCTION sqlite_sum_step(state BIGINT, value BOOLEAN) RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value IS NULL THEN state ELSE coalesce(state, 0) + value::int END
$$;
CREATE AGGREGATE sum(BOOLEAN) (SFUNC = sqlite_sum_step, STYPE = BIGINT, PARALLEL = SAFE);

CREATE FUNCTION sqlite_concat_step(state TEXT, value TEXT, separator TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value IS NULL THEN state WHEN state IS NULL THEN value
                ELSE state || separator || value END
$$;
CREATE AGGREGATE group_concat(TEXT, TEXT) (SFUNC = sqlite_concat_step, STYPE = TEXT);
