/*  tickets_sla_store: the SQL of SLAs, in one place. See
 *  tickets_sla_store.h; tables in migrations/0003_tickets_sla.sql.
 */
#include "tickets_sla_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NUMBER_TEXT_SIZE = 24, BOOL_TEXT_SIZE = 8 };

#define DEFINITION_COLUMNS "id, definition, version, rfc3339(created_at), rfc3339(updated_at)"

/*  Calendars and policies, one statement of each kind per table. */
typedef struct {
    kefu_sql_t insert, get, get_for_update, list, update, remove;
    const ProtobufCMessageDescriptor *descriptor;
} definition_statements_t;

static const definition_statements_t calendar_statements = {
    { "sla_calendar_insert",
      "INSERT INTO sla_calendars (name, time_zone, definition, created_at, updated_at) "
      "VALUES ($1, $2, $3::bytea, sla_time($4::bigint), sla_time($4::bigint)) "
      "ON CONFLICT DO NOTHING RETURNING " DEFINITION_COLUMNS },
    { "sla_calendar_get", "SELECT " DEFINITION_COLUMNS " FROM sla_calendars WHERE id = $1" },
    { "sla_calendar_get_for_update", "SELECT " DEFINITION_COLUMNS " FROM sla_calendars WHERE id = $1 FOR UPDATE" },
    { "sla_calendar_list", "SELECT " DEFINITION_COLUMNS " FROM sla_calendars WHERE id > $1 ORDER BY id LIMIT $2" },
    { "sla_calendar_update",
      "UPDATE sla_calendars SET name = $2, time_zone = $3, definition = $4::bytea, version = version + 1, "
      "  updated_at = sla_time($5::bigint) WHERE id = $1 RETURNING " DEFINITION_COLUMNS },
    { "sla_calendar_delete", "DELETE FROM sla_calendars WHERE id = $1" },
    &kefu__v1__sla_calendar__descriptor,
};

static const definition_statements_t policy_statements = {
    { "sla_policy_insert",
      "INSERT INTO sla_policies (name, kind, priority, calendar_id, definition, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5::bytea, sla_time($6::bigint), sla_time($6::bigint)) "
      "ON CONFLICT DO NOTHING RETURNING " DEFINITION_COLUMNS },
    { "sla_policy_get", "SELECT " DEFINITION_COLUMNS " FROM sla_policies WHERE id = $1" },
    { "sla_policy_get_for_update", "SELECT " DEFINITION_COLUMNS " FROM sla_policies WHERE id = $1 FOR UPDATE" },
    { "sla_policy_list", "SELECT " DEFINITION_COLUMNS " FROM sla_policies WHERE id > $1 ORDER BY id LIMIT $2" },
    { "sla_policy_update",
      "UPDATE sla_policies SET name = $2, kind = $3, priority = $4, calendar_id = $5, definition = $6::bytea, "
      "  version = version + 1, updated_at = sla_time($7::bigint) WHERE id = $1 RETURNING " DEFINITION_COLUMNS },
    { "sla_policy_delete", "DELETE FROM sla_policies WHERE id = $1" },
    &kefu__v1__sla_policy__descriptor,
};

static const kefu_sql_t sql_idempotency_claim = {
    "sla_idempotency_claim",
    "INSERT INTO sla_idempotency_keys (actor_staff_id, key, kind, request_hash) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING RETURNING 1"
};
static const kefu_sql_t sql_idempotency_read = {
    "sla_idempotency_read",
    "SELECT request_hash, coalesce(created_id, 0) FROM sla_idempotency_keys "
    "WHERE actor_staff_id = $1 AND key = $2 AND kind = $3"
};
static const kefu_sql_t sql_idempotency_bind = {
    "sla_idempotency_bind",
    "UPDATE sla_idempotency_keys SET created_id = $4 WHERE actor_staff_id = $1 AND key = $2 AND kind = $3"
};

static const kefu_sql_t sql_policy_for = {
    "sla_policy_for",
    "SELECT p.id, p.definition, c.definition FROM sla_policies p JOIN sla_calendars c ON c.id = p.calendar_id "
    "WHERE p.kind = $1 AND p.priority = $2"
};

#define ROW_COLUMNS                                                                                              \
    "ticket_id, policy_id, policy, calendar, sla_ms(started_at), sla_ms(first_response_due_at), "               \
    "sla_ms(first_response_at_risk_at), coalesce(sla_ms(first_responded_at), 0), sla_ms(resolution_due_at), "   \
    "sla_ms(resolution_at_risk_at), coalesce(sla_ms(resolved_at), 0), coalesce(sla_ms(closed_at), 0), "         \
    "coalesce(sla_ms(paused_since), 0), pause_reason, paused_business_s, first_response_at_risk, "             \
    "first_response_breached, resolution_at_risk, resolution_breached, escalation_level, "                     \
    "coalesce(sla_ms(next_escalation_at), 0)"

static const kefu_sql_t sql_row_insert = {
    "sla_row_insert",
    "INSERT INTO ticket_sla (ticket_id, policy_id, policy, calendar, started_at, first_response_due_at, "
    "  first_response_at_risk_at, resolution_due_at, resolution_at_risk_at, next_check_at) "
    "VALUES ($1, $2, $3::bytea, $4::bytea, sla_time($5::bigint), sla_time($6::bigint), sla_time($7::bigint), "
    "  sla_time($8::bigint), sla_time($9::bigint), sla_time(nullif($10::bigint, 0)))"
};
static const kefu_sql_t sql_row_get = {
    "sla_row_get", "SELECT " ROW_COLUMNS " FROM ticket_sla WHERE ticket_id = $1 FOR UPDATE"
};
static const kefu_sql_t sql_row_update = {
    "sla_row_update",
    "UPDATE ticket_sla SET first_response_due_at = sla_time($2::bigint), "
    "  first_response_at_risk_at = sla_time($3::bigint), first_responded_at = sla_time(nullif($4::bigint, 0)), "
    "  resolution_due_at = sla_time($5::bigint), resolution_at_risk_at = sla_time($6::bigint), "
    "  resolved_at = sla_time(nullif($7::bigint, 0)), closed_at = sla_time(nullif($8::bigint, 0)), "
    "  paused_since = sla_time(nullif($9::bigint, 0)), pause_reason = $10, paused_business_s = $11, "
    "  first_response_at_risk = $12, first_response_breached = $13, resolution_at_risk = $14, "
    "  resolution_breached = $15, escalation_level = $16, next_escalation_at = sla_time(nullif($17::bigint, 0)), "
    "  next_check_at = sla_time(nullif($18::bigint, 0)) "
    "WHERE ticket_id = $1"
};
/*  The engine's scan: the partial index ticket_sla_due holds only rows
 *  with something pending, in due order (see the migration's EXPLAIN). */
static const kefu_sql_t sql_rows_due = {
    "sla_rows_due",
    "SELECT " ROW_COLUMNS " FROM ticket_sla WHERE next_check_at <= sla_time($1::bigint) "
    "ORDER BY next_check_at LIMIT $2 FOR UPDATE SKIP LOCKED"
};

static const definition_statements_t *
statements_of (tickets_sla_table_t table)
{
    return table == TICKETS_SLA_CALENDARS ? &calendar_statements : &policy_statements;
}

static int64_t
column_int (PGresult *result, int row, int column)
{
    return strtoll (PQgetvalue (result, row, column), NULL, 10);
}

static bool
column_bool (PGresult *result, int row, int column)
{
    return PQgetvalue (result, row, column)[0] == 't';
}

/*  Replace an unpacked message's string with a copy of `value` (freed with
 *  the message by protobuf_c_message_free_unpacked). */
static bool
set_owned_string (char **field, const char *value)
{
    char *copy = strdup (value);
    if (!copy)
        return false;
    if (*field && *field != protobuf_c_empty_string)
        free (*field);
    *field = copy;
    return true;
}

void
tickets_sla_definitions_release (tickets_sla_definitions_t *rows)
{
    for (size_t i = 0; i < rows->count; i++)
        if (rows->items[i])
            protobuf_c_message_free_unpacked (rows->items[i], NULL);
    free (rows->items);
    memset (rows, 0, sizeof *rows);
}

/*  Take `result` (cleared here) and unpack its rows. */
static int
definitions_from (PGresult *result, const definition_statements_t *statements, tickets_sla_definitions_t *rows)
{
    memset (rows, 0, sizeof *rows);
    size_t count = (size_t) PQntuples (result);
    int rc = 0;
    if (count) {
        rows->items = calloc (count, sizeof *rows->items);
        if (!rows->items)
            rc = -1;
    }
    for (size_t i = 0; i < count && rc == 0; i++, rows->count++) {
        size_t size;
        unsigned char *bytes = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, (int) i, 1), &size);
        ProtobufCMessage *message = bytes ? protobuf_c_message_unpack (statements->descriptor, NULL, size, bytes) : NULL;
        PQfreemem (bytes);
        rows->items[i] = message;
        if (!message) {
            rc = -1;
            break;
        }
        int64_t id = column_int (result, (int) i, 0), version = column_int (result, (int) i, 2);
        const char *created = PQgetvalue (result, (int) i, 3), *updated = PQgetvalue (result, (int) i, 4);
        bool copied;
        if (statements->descriptor == &kefu__v1__sla_calendar__descriptor) {
            Kefu__V1__SlaCalendar *calendar = (Kefu__V1__SlaCalendar *) message;
            calendar->id = id;
            calendar->version = version;
            calendar->expected_version = 0;
            copied = set_owned_string (&calendar->created_at, created) && set_owned_string (&calendar->updated_at, updated);
        } else {
            Kefu__V1__SlaPolicy *policy = (Kefu__V1__SlaPolicy *) message;
            policy->id = id;
            policy->version = version;
            policy->expected_version = 0;
            copied = set_owned_string (&policy->created_at, created) && set_owned_string (&policy->updated_at, updated);
        }
        if (!copied)
            rc = -1;
    }
    PQclear (result);
    if (rc != 0)
        tickets_sla_definitions_release (rows);
    return rc;
}

static int
definitions_run (kefu_db_t *db, const kefu_sql_t *statement, const definition_statements_t *statements, int count,
                 const char *const *values, const int *lengths, const int *formats, tickets_sla_definitions_t *rows)
{
    PGresult *result = kefu_db_run_binary (db, statement, count, values, lengths, formats);
    if (!result)
        return -1;
    if (definitions_from (result, statements, rows) != 0)
        return -1;
    return rows->count ? 0 : 1;
}

int
tickets_sla_store_insert (kefu_db_t *db, tickets_sla_table_t table, const tickets_sla_keys_t *keys,
                          const uint8_t *packed, size_t size, int64_t now_ms, tickets_sla_definitions_t *rows)
{
    const definition_statements_t *statements = statements_of (table);
    char now[NUMBER_TEXT_SIZE], calendar_id[NUMBER_TEXT_SIZE];
    snprintf (now, sizeof now, "%" PRId64, now_ms);
    snprintf (calendar_id, sizeof calendar_id, "%" PRId64, keys->calendar_id);
    const char *bytes = size ? (const char *) packed : "";
    if (table == TICKETS_SLA_CALENDARS) {
        const char *values[] = { keys->name, keys->time_zone, bytes, now };
        const int lengths[] = { 0, 0, (int) size, 0 }, formats[] = { 0, 0, 1, 0 };
        return definitions_run (db, &statements->insert, statements, 4, values, lengths, formats, rows);
    }
    const char *values[] = { keys->name, keys->kind, keys->priority, calendar_id, bytes, now };
    const int lengths[] = { 0, 0, 0, 0, (int) size, 0 }, formats[] = { 0, 0, 0, 0, 1, 0 };
    return definitions_run (db, &statements->insert, statements, 6, values, lengths, formats, rows);
}

int
tickets_sla_store_get (kefu_db_t *db, tickets_sla_table_t table, int64_t id, bool for_update,
                       tickets_sla_definitions_t *rows)
{
    const definition_statements_t *statements = statements_of (table);
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = { id_text };
    return definitions_run (db, for_update ? &statements->get_for_update : &statements->get, statements, 1, values,
                            NULL, NULL, rows);
}

int
tickets_sla_store_list (kefu_db_t *db, tickets_sla_table_t table, int64_t after, uint32_t limit,
                        tickets_sla_definitions_t *rows)
{
    const definition_statements_t *statements = statements_of (table);
    char after_text[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    snprintf (after_text, sizeof after_text, "%" PRId64, after);
    snprintf (limit_text, sizeof limit_text, "%" PRIu32, limit);
    const char *values[] = { after_text, limit_text };
    int rc = definitions_run (db, &statements->list, statements, 2, values, NULL, NULL, rows);
    return rc == 1 ? 0 : rc;
}

int
tickets_sla_store_update (kefu_db_t *db, tickets_sla_table_t table, int64_t id, const tickets_sla_keys_t *keys,
                          const uint8_t *packed, size_t size, int64_t now_ms, tickets_sla_definitions_t *rows)
{
    const definition_statements_t *statements = statements_of (table);
    char id_text[NUMBER_TEXT_SIZE], now[NUMBER_TEXT_SIZE], calendar_id[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    snprintf (now, sizeof now, "%" PRId64, now_ms);
    snprintf (calendar_id, sizeof calendar_id, "%" PRId64, keys->calendar_id);
    const char *bytes = size ? (const char *) packed : "";
    int rc;
    if (table == TICKETS_SLA_CALENDARS) {
        const char *values[] = { id_text, keys->name, keys->time_zone, bytes, now };
        const int lengths[] = { 0, 0, 0, (int) size, 0 }, formats[] = { 0, 0, 0, 1, 0 };
        rc = definitions_run (db, &statements->update, statements, 5, values, lengths, formats, rows);
    } else {
        const char *values[] = { id_text, keys->name, keys->kind, keys->priority, calendar_id, bytes, now };
        const int lengths[] = { 0, 0, 0, 0, 0, (int) size, 0 }, formats[] = { 0, 0, 0, 0, 0, 1, 0 };
        rc = definitions_run (db, &statements->update, statements, 7, values, lengths, formats, rows);
    }
    if (rc < 0 && strcmp (kefu_db_sqlstate (db), TICKETS_SLA_UNIQUE_VIOLATION) == 0)
        return 1;
    return rc;
}

int
tickets_sla_store_delete (kefu_db_t *db, tickets_sla_table_t table, int64_t id)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = { id_text };
    if (kefu_db_command (db, &statements_of (table)->remove, 1, values) == 0)
        return 0;
    return strcmp (kefu_db_sqlstate (db), TICKETS_SLA_FOREIGN_KEY_VIOLATION) == 0 ? 1 : -1;
}

int
tickets_sla_store_idempotency_claim (kefu_db_t *db, const char *actor, const char *key, const char *noun,
                                     const char *hash, bool *claimed, char *stored_hash, size_t stored_hash_size,
                                     int64_t *created_id)
{
    const char *values[] = { actor, key, noun, hash };
    PGresult *result = kefu_db_run (db, &sql_idempotency_claim, 4, values);
    if (!result)
        return -1;
    *claimed = PQntuples (result) == 1;
    PQclear (result);
    if (*claimed)
        return 0;
    /*  In READ COMMITTED this sees the row of the transaction we waited for. */
    result = kefu_db_run (db, &sql_idempotency_read, 3, values);
    if (!result)
        return -1;
    if (PQntuples (result) != 1) {
        snprintf (stored_hash, stored_hash_size, "%s", "");
        *created_id = 0;
    } else {
        snprintf (stored_hash, stored_hash_size, "%s", PQgetvalue (result, 0, 0));
        *created_id = column_int (result, 0, 1);
    }
    PQclear (result);
    return 0;
}

int
tickets_sla_store_idempotency_bind (kefu_db_t *db, const char *actor, const char *key, const char *noun,
                                    int64_t created_id)
{
    char id[NUMBER_TEXT_SIZE];
    snprintf (id, sizeof id, "%" PRId64, created_id);
    const char *values[] = { actor, key, noun, id };
    return kefu_db_command (db, &sql_idempotency_bind, 4, values);
}

int
tickets_sla_store_policy_for (kefu_db_t *db, const char *kind, const char *priority, int64_t *policy_id,
                              unsigned char **policy, size_t *policy_size, unsigned char **calendar,
                              size_t *calendar_size)
{
    const char *values[] = { kind, priority };
    PGresult *result = kefu_db_run (db, &sql_policy_for, 2, values);
    if (!result)
        return -1;
    if (PQntuples (result) != 1) {
        PQclear (result);
        return 1;
    }
    *policy_id = column_int (result, 0, 0);
    *policy = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, 0, 1), policy_size);
    *calendar = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, 0, 2), calendar_size);
    PQclear (result);
    if (!*policy || !*calendar) {
        PQfreemem (*policy);
        PQfreemem (*calendar);
        *policy = *calendar = NULL;
        return -1;
    }
    return 0;
}

void
tickets_sla_row_release (tickets_sla_row_t *row)
{
    PQfreemem (row->policy);
    PQfreemem (row->calendar);
    free (row->pause_reason);
    memset (row, 0, sizeof *row);
}

int
tickets_sla_store_row_insert (kefu_db_t *db, const tickets_sla_row_t *row)
{
    char numbers[8][NUMBER_TEXT_SIZE];
    int64_t values_ms[8] = { row->ticket_id,          row->policy_id,          row->started_ms,
                             row->first_response_due_ms, row->first_response_at_risk_ms, row->resolution_due_ms,
                             row->resolution_at_risk_ms, row->next_check_ms };
    for (int i = 0; i < 8; i++)
        snprintf (numbers[i], sizeof numbers[i], "%" PRId64, values_ms[i]);
    const char *values[] = { numbers[0], numbers[1], (const char *) row->policy, (const char *) row->calendar,
                             numbers[2], numbers[3], numbers[4], numbers[5], numbers[6], numbers[7] };
    const int lengths[] = { 0, 0, (int) row->policy_size, (int) row->calendar_size, 0, 0, 0, 0, 0, 0 };
    const int formats[] = { 0, 0, 1, 1, 0, 0, 0, 0, 0, 0 };
    PGresult *result = kefu_db_run_binary (db, &sql_row_insert, 10, values, lengths, formats);
    if (!result)
        return -1;
    PQclear (result);
    return 0;
}

/*  Read row `i` of a ROW_COLUMNS result; -1 when out of memory. */
static int
row_from (PGresult *result, int i, tickets_sla_row_t *row)
{
    memset (row, 0, sizeof *row);
    int c = 0;
    row->ticket_id = column_int (result, i, c++);
    row->policy_id = column_int (result, i, c++);
    row->policy = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, i, c++), &row->policy_size);
    row->calendar = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, i, c++), &row->calendar_size);
    row->started_ms = column_int (result, i, c++);
    row->first_response_due_ms = column_int (result, i, c++);
    row->first_response_at_risk_ms = column_int (result, i, c++);
    row->first_responded_ms = column_int (result, i, c++);
    row->resolution_due_ms = column_int (result, i, c++);
    row->resolution_at_risk_ms = column_int (result, i, c++);
    row->resolved_ms = column_int (result, i, c++);
    row->closed_ms = column_int (result, i, c++);
    row->paused_since_ms = column_int (result, i, c++);
    row->pause_reason = strdup (PQgetvalue (result, i, c++));
    row->paused_business_s = column_int (result, i, c++);
    row->first_response_at_risk = column_bool (result, i, c++);
    row->first_response_breached = column_bool (result, i, c++);
    row->resolution_at_risk = column_bool (result, i, c++);
    row->resolution_breached = column_bool (result, i, c++);
    row->escalation_level = (int) column_int (result, i, c++);
    row->next_escalation_ms = column_int (result, i, c++);
    if (!row->policy || !row->calendar || !row->pause_reason) {
        tickets_sla_row_release (row);
        return -1;
    }
    return 0;
}

int
tickets_sla_store_row_get (kefu_db_t *db, int64_t ticket_id, tickets_sla_row_t *row)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, ticket_id);
    const char *values[] = { id_text };
    PGresult *result = kefu_db_run (db, &sql_row_get, 1, values);
    if (!result)
        return -1;
    int rc = PQntuples (result) == 1 ? row_from (result, 0, row) : 1;
    PQclear (result);
    return rc;
}

int
tickets_sla_store_row_update (kefu_db_t *db, const tickets_sla_row_t *row)
{
    enum { NUMBERS = 13, BOOLS = 4 };
    int64_t numbers_in[NUMBERS] = {
        row->ticket_id,          row->first_response_due_ms, row->first_response_at_risk_ms, row->first_responded_ms,
        row->resolution_due_ms,  row->resolution_at_risk_ms, row->resolved_ms,               row->closed_ms,
        row->paused_since_ms,    row->paused_business_s,     row->escalation_level,          row->next_escalation_ms,
        row->next_check_ms
    };
    char numbers[NUMBERS][NUMBER_TEXT_SIZE];
    for (int i = 0; i < NUMBERS; i++)
        snprintf (numbers[i], sizeof numbers[i], "%" PRId64, numbers_in[i]);
    const char *flags[BOOLS];
    bool flags_in[BOOLS] = { row->first_response_at_risk, row->first_response_breached, row->resolution_at_risk,
                             row->resolution_breached };
    for (int i = 0; i < BOOLS; i++)
        flags[i] = flags_in[i] ? "true" : "false";
    const char *values[] = { numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5],
                             numbers[6], numbers[7], numbers[8], row->pause_reason ? row->pause_reason : "",
                             numbers[9], flags[0], flags[1], flags[2], flags[3], numbers[10], numbers[11],
                             numbers[12] };
    return kefu_db_command (db, &sql_row_update, 18, values);
}

int
tickets_sla_store_rows_due (kefu_db_t *db, int64_t now_ms, int limit, tickets_sla_row_t **rows, size_t *count)
{
    char now[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    snprintf (now, sizeof now, "%" PRId64, now_ms);
    snprintf (limit_text, sizeof limit_text, "%d", limit);
    const char *values[] = { now, limit_text };
    *rows = NULL;
    *count = 0;
    PGresult *result = kefu_db_run (db, &sql_rows_due, 2, values);
    if (!result)
        return -1;
    size_t found = (size_t) PQntuples (result);
    if (found == 0) {
        PQclear (result);
        return 0;
    }
    tickets_sla_row_t *read = calloc (found, sizeof *read);
    if (!read) {
        PQclear (result);
        return -1;
    }
    for (size_t i = 0; i < found; i++)
        if (row_from (result, (int) i, &read[i]) != 0) {
            for (size_t j = 0; j < i; j++)
                tickets_sla_row_release (&read[j]);
            free (read);
            PQclear (result);
            return -1;
        }
    PQclear (result);
    *rows = read;
    *count = found;
    return 0;
}
