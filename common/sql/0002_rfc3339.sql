-- Timestamps leave the database as RFC 3339 text in UTC with milliseconds
-- ("2026-11-25T09:30:00.250Z"), the one format on kefu's wire (DESIGN.md
-- §5 "Time"), whatever the session's TimeZone or DateStyle.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
