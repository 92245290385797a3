-- deploy/postgres/bootstrap.sql — prepare database kefu: extensions, one
-- login role and one schema per service, least privilege.
--
-- Run as a superuser, connected to database kefu, which must already exist
-- (created from the shell with
--   createdb -T template0 -E UTF8 --locale=C.UTF-8 kefu
-- because CREATE DATABASE cannot run inside a function or transaction).
-- deploy/local/pg.sh bootstrap does both locally; the postgres container's
-- entrypoint (deploy/docker/postgres-entrypoint.sh) does the same in compose.
-- Idempotent: safe to run again on an existing cluster, it converges roles,
-- schemas and grants to what is written here. Passwords are not set here
-- (local clusters use trust on 127.0.0.1; compose sets them separately).
--
-- Each service owns exactly one schema, named after it, and connects as
-- kefu_<service>; it cannot create anything elsewhere nor read another
-- service's schema. Tables are created by the service's own migrations.
-- To add a service, add its name to the `services` array below.

\set ON_ERROR_STOP on
SET client_min_messages = warning;

DO $check$
BEGIN
    IF current_database() <> 'kefu' THEN
        RAISE EXCEPTION 'bootstrap.sql must run in database kefu, not %', current_database();
    END IF;
    -- Serialise concurrent bootstraps (released at the end of this file).
    PERFORM pg_advisory_lock(hashtext('kefu.bootstrap'));
END
$check$;

-- Trigram search (ticket subjects, customer names). Installed in public, which
-- every role can use but (below) no one but the owner can create objects in.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE kefu FROM PUBLIC;

DO $services$
DECLARE
    services text[] := ARRAY['tickets', 'webhooks', 'scheduling'];
    svc      text;
    rol      text;
BEGIN
    FOREACH svc IN ARRAY services LOOP
        rol := 'kefu_' || svc;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = rol) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', rol);
        END IF;
        -- Also corrects a role that was created by hand with more rights.
        EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
                       'NOREPLICATION NOBYPASSRLS', rol);
        EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', svc, rol);
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', svc, rol);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', svc);
        -- Unqualified names resolve to the service's schema; public comes
        -- second only so that pg_trgm's functions, operators and operator
        -- classes (gin_trgm_ops) resolve; the role cannot create in public.
        EXECUTE format('ALTER ROLE %I SET search_path = %I, public', rol, svc);
        EXECUTE format('GRANT CONNECT ON DATABASE kefu TO %I', rol);
    END LOOP;
END
$services$;

DO $done$ BEGIN PERFORM pg_advisory_unlock(hashtext('kefu.bootstrap')); END $done$;
