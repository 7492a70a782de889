-- Makes the collector's audit trail append-only for the collector's own database user (PostgreSQL).
-- docs/admin.md "Make the audit trail append-only in PostgreSQL" explains when to run it.
--
-- The idea: the collector connects as `mamori` (the role in its --db URL) but no longer OWNS the
-- audit_log table. A separate role, `mamori_owner`, which nobody uses day to day, owns it and the
-- trigger that refuses changes; `mamori` may only add and read records. A table's owner can always
-- drop its triggers, so the owner must not be the role the collector (or anyone who steals its
-- password) connects as.
--
-- Run once as a superuser (psql -d mamori -f audit-append-only.sql), after the collector created the
-- schema (its first start), with the collectors stopped or at least idle.

BEGIN;

-- 1. An owner role that cannot log in.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mamori_owner') THEN
    CREATE ROLE mamori_owner NOLOGIN;
  END IF;
END$$;

-- 2. The table and its trigger function change hands.
ALTER TABLE audit_log OWNER TO mamori_owner;
ALTER FUNCTION audit_log_append_only() OWNER TO mamori_owner;

-- 3. The collector's role may add and read records, nothing else.
REVOKE ALL ON audit_log FROM PUBLIC;
REVOKE ALL ON audit_log FROM mamori;
GRANT SELECT, INSERT ON audit_log TO mamori;

-- 4. The triggers (made by the collector's migration 8; repeated here so the file stands alone):
--    UPDATE, DELETE and TRUNCATE raise an error even for roles that were granted them by mistake.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$BEGIN RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP; END$$;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

COMMIT;

-- Check, connected as the collector's role (psql "postgresql://mamori@.../mamori"):
--   UPDATE audit_log SET actor = 'x';   -- ERROR:  permission denied for table audit_log
--   DELETE FROM audit_log;              -- ERROR:  permission denied for table audit_log
--   DROP TRIGGER audit_log_append_only ON audit_log;  -- ERROR:  must be owner of table audit_log
