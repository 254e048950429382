-- Name search as people type: any word of the given names, no accents ("sean" finds Seán), no apostrophes ("obrien"
-- finds O'Brien). A stored column (patients.name_key, computed by the function below, so this file runs before the
-- table is created) holds the names in that form, indexed by trigrams (pg_trgm) so a prefix of any word is found
-- without reading every patient. Both extensions are "trusted": the database owner installs them, into the patients
-- schema.
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA patients;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA patients;

-- Lower case, accents off, apostrophes dropped, other runs of non-alphanumerics one space, a space before every word.
-- Queries call this same function on what was typed (PatientModel.NameKey). unaccent's rules can change with a
-- PostgreSQL major version: `migrate` then rewrites the stored keys that no longer match (DatabaseMigrator).
CREATE FUNCTION patients.name_key(family text, given text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT ' ' || btrim(regexp_replace(
        lower(patients.unaccent('patients.unaccent'::regdictionary, translate(family || ' ' || given, '''’`', ''))),
        '[^[:alnum:]]+', ' ', 'g'))
$$;
