/*  tickets_store: the SQL of the tickets service, in one place. See
 *  tickets_store.h. Tables: migrations/0001_tickets.sql.
 */
#include "tickets_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Every statement that returns tickets returns these columns, in this
 *  order, matched by ticket_from_row(). */
#define TICKET_COLUMNS                                                                          \
    "id, kind, channel, priority, category, subject, description, customer_id, "               \
    "complainant_name, complainant_contact, requested_remedy, status, version, owner_staff_id, " \
    "responsible_department, responsible_person, remedy, remedy_proposed_by, remedy_approved_by, " \
    "customer_confirmation, rejection_explanation, review_summary, responsible_party, sanction, " \
    "rfc3339(received_at), rfc3339(created_at), rfc3339(updated_at)"

#define TRANSITION_COLUMNS \
    "ticket_id, from_status, to_status, actor_staff_id, reason, rfc3339(at), version"

enum { ID_TEXT_SIZE = 24 };

static const kefu_sql_t sql_idempotency_claim = {
    "tickets_idempotency_claim",
    "INSERT INTO idempotency_keys (actor_staff_id, key, request_hash) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING RETURNING 1"
};
static const kefu_sql_t sql_idempotency_read = {
    "tickets_idempotency_read",
    "SELECT request_hash, coalesce(ticket_id, 0) FROM idempotency_keys WHERE actor_staff_id = $1 AND key = $2"
};
static const kefu_sql_t sql_idempotency_bind = {
    "tickets_idempotency_bind",
    "UPDATE idempotency_keys SET ticket_id = $3 WHERE actor_staff_id = $1 AND key = $2"
};
static const kefu_sql_t sql_ticket_insert = {
    "tickets_insert",
    "INSERT INTO tickets (kind, channel, priority, category, subject, description, customer_id, "
    "  complainant_name, complainant_contact, requested_remedy, status, owner_staff_id, received_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
    "  coalesce(to_timestamp($13::bigint / 1000.0), now())) "
    "RETURNING " TICKET_COLUMNS
};
static const kefu_sql_t sql_ticket_get = {
    "tickets_get", "SELECT " TICKET_COLUMNS " FROM tickets WHERE id = $1"
};
static const kefu_sql_t sql_ticket_get_for_update = {
    "tickets_get_for_update", "SELECT " TICKET_COLUMNS " FROM tickets WHERE id = $1 FOR UPDATE"
};
static const kefu_sql_t sql_ticket_update = {
    "tickets_update",
    "UPDATE tickets SET status = $2, version = version + 1, updated_at = now(), "
    "  responsible_department = coalesce($3, responsible_department), "
    "  responsible_person = coalesce($4, responsible_person), "
    "  remedy = coalesce($5, remedy), "
    "  remedy_proposed_by = coalesce($6, remedy_proposed_by), "
    "  remedy_approved_by = coalesce($7, remedy_approved_by), "
    "  customer_confirmation = coalesce($8, customer_confirmation), "
    "  rejection_explanation = coalesce($9, rejection_explanation), "
    "  review_summary = coalesce($10, review_summary), "
    "  responsible_party = coalesce($11, responsible_party), "
    "  sanction = coalesce($12, sanction) "
    "WHERE id = $1 RETURNING " TICKET_COLUMNS
};
static const kefu_sql_t sql_transition_insert = {
    "tickets_transition_insert",
    "INSERT INTO ticket_transitions (ticket_id, from_status, to_status, actor_staff_id, actor_roles, "
    "  reason, version) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING " TRANSITION_COLUMNS
};
/*  Empty filters (NULL dates) match everything. The text search is
 *  tickets_search.h's: $15 the ILIKE pattern, $16 the gram for queries
 *  shorter than a trigram; both spell the searched text exactly as the
 *  indexes of migrations/0004 do. Plans are made for each execution's
 *  values (tickets_store_custom_plans), which folds the empty filters away
 *  and lets the planner pick the index that fits the query. With a text
 *  query the order is spelt id + 0 (the same order): otherwise the planner
 *  may walk the primary key in id order, filtering, betting on many
 *  matches; when its estimate is wrong that reads the whole table, while
 *  the text index costs what the matches cost (docs/PERFORMANCE.md). */
static const kefu_sql_t sql_ticket_list = {
    "tickets_list",
    "SELECT " TICKET_COLUMNS " FROM tickets WHERE id > $1 "
    "  AND ($2 = '' OR status = $2) AND ($3 = '' OR kind = $3) "
    "  AND ($4 = '' OR customer_id = $4) AND ($5 = '' OR responsible_person = $5) "
    "  AND ($7 = '' OR owner_staff_id = $7) AND ($8 = '' OR priority = $8) "
    "  AND ($9 = '' OR channel = $9) AND ($10 = '' OR category = $10) "
    "  AND ($11::bigint IS NULL OR created_at >= to_timestamp($11::bigint / 1000.0)) "
    "  AND ($12::bigint IS NULL OR created_at < to_timestamp($12::bigint / 1000.0)) "
    "  AND ($13::bigint IS NULL OR received_at >= to_timestamp($13::bigint / 1000.0)) "
    "  AND ($14::bigint IS NULL OR received_at < to_timestamp($14::bigint / 1000.0)) "
    "  AND ($15 = '' OR (subject || E'\\n' || description) ILIKE $15) "
    "  AND ($16 = '' OR search_grams(subject || E'\\n' || description) @> ARRAY[lower($16)]) "
    "ORDER BY CASE WHEN $15 = '' THEN id ELSE id + 0 END LIMIT $6"
};
/*  A prepared statement is planned for its parameters' values only in its
 *  first executions; then PostgreSQL may keep one generic plan, which
 *  cannot fold the empty filters away nor use a text index. This keeps
 *  per-execution plans for the rest of the list's transaction. */
static const kefu_sql_t sql_custom_plans = {
    "tickets_custom_plans", "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"
};
static const kefu_sql_t sql_history = {
    "tickets_history",
    "SELECT " TRANSITION_COLUMNS " FROM ticket_transitions WHERE ticket_id = $1 ORDER BY id"
};

void
tickets_rows_release (tickets_rows_t *rows)
{
    PQclear (rows->result);
    free (rows->tickets);
    free (rows->ticket_pointers);
    free (rows->transitions);
    free (rows->transition_pointers);
    memset (rows, 0, sizeof *rows);
}

static int64_t
column_int (PGresult *result, int row, int column)
{
    return strtoll (PQgetvalue (result, row, column), NULL, 10);
}

static void
ticket_from_row (PGresult *result, int row, Kefu__V1__Ticket *ticket)
{
    kefu__v1__ticket__init (ticket);
    int c = 0;
    ticket->id = column_int (result, row, c++);
    ticket->kind = PQgetvalue (result, row, c++);
    ticket->channel = PQgetvalue (result, row, c++);
    ticket->priority = PQgetvalue (result, row, c++);
    ticket->category = PQgetvalue (result, row, c++);
    ticket->subject = PQgetvalue (result, row, c++);
    ticket->description = PQgetvalue (result, row, c++);
    ticket->customer_id = PQgetvalue (result, row, c++);
    ticket->complainant_name = PQgetvalue (result, row, c++);
    ticket->complainant_contact = PQgetvalue (result, row, c++);
    ticket->requested_remedy = PQgetvalue (result, row, c++);
    ticket->status = PQgetvalue (result, row, c++);
    ticket->version = column_int (result, row, c++);
    ticket->owner_staff_id = PQgetvalue (result, row, c++);
    ticket->responsible_department = PQgetvalue (result, row, c++);
    ticket->responsible_person = PQgetvalue (result, row, c++);
    ticket->remedy = PQgetvalue (result, row, c++);
    ticket->remedy_proposed_by = PQgetvalue (result, row, c++);
    ticket->remedy_approved_by = PQgetvalue (result, row, c++);
    ticket->customer_confirmation = PQgetvalue (result, row, c++);
    ticket->rejection_explanation = PQgetvalue (result, row, c++);
    ticket->review_summary = PQgetvalue (result, row, c++);
    ticket->responsible_party = PQgetvalue (result, row, c++);
    ticket->sanction = PQgetvalue (result, row, c++);
    ticket->received_at = PQgetvalue (result, row, c++);
    ticket->created_at = PQgetvalue (result, row, c++);
    ticket->updated_at = PQgetvalue (result, row, c++);
}

static void
transition_from_row (PGresult *result, int row, Kefu__V1__TicketTransition *transition)
{
    kefu__v1__ticket_transition__init (transition);
    transition->ticket_id = column_int (result, row, 0);
    transition->from_status = PQgetvalue (result, row, 1);
    transition->to_status = PQgetvalue (result, row, 2);
    transition->actor_staff_id = PQgetvalue (result, row, 3);
    transition->reason = PQgetvalue (result, row, 4);
    transition->at = PQgetvalue (result, row, 5);
    transition->version = column_int (result, row, 6);
}

/*  Take ownership of `result` and read its rows as tickets. */
static int
rows_of_tickets (PGresult *result, tickets_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    rows->result = result;
    rows->count = (size_t) PQntuples (result);
    if (rows->count == 0)
        return 0;
    rows->tickets = calloc (rows->count, sizeof *rows->tickets);
    rows->ticket_pointers = calloc (rows->count, sizeof *rows->ticket_pointers);
    if (!rows->tickets || !rows->ticket_pointers) {
        tickets_rows_release (rows);
        return -1;
    }
    for (size_t i = 0; i < rows->count; i++) {
        ticket_from_row (result, (int) i, &rows->tickets[i]);
        rows->ticket_pointers[i] = &rows->tickets[i];
    }
    return 0;
}

static int
rows_of_transitions (PGresult *result, tickets_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    rows->result = result;
    rows->count = (size_t) PQntuples (result);
    if (rows->count == 0)
        return 0;
    rows->transitions = calloc (rows->count, sizeof *rows->transitions);
    rows->transition_pointers = calloc (rows->count, sizeof *rows->transition_pointers);
    if (!rows->transitions || !rows->transition_pointers) {
        tickets_rows_release (rows);
        return -1;
    }
    for (size_t i = 0; i < rows->count; i++) {
        transition_from_row (result, (int) i, &rows->transitions[i]);
        rows->transition_pointers[i] = &rows->transitions[i];
    }
    return 0;
}

int
tickets_store_idempotency_claim (kefu_db_t *db, const char *actor, const char *key, const char *hash,
                                 bool *claimed, char *stored_hash, size_t stored_hash_size,
                                 int64_t *ticket_id)
{
    const char *values[] = { actor, key, hash };
    PGresult *result = kefu_db_run (db, &sql_idempotency_claim, 3, values);
    if (!result)
        return -1;
    *claimed = PQntuples (result) == 1;
    PQclear (result);
    if (*claimed)
        return 0;
    /*  In READ COMMITTED this statement sees the row of the transaction we
     *  waited for. */
    result = kefu_db_run (db, &sql_idempotency_read, 2, values);
    if (!result)
        return -1;
    if (PQntuples (result) != 1) {
        /*  The holder rolled back between our two statements: the key is
         *  free again, but we did not get it; let the caller retry. */
        PQclear (result);
        snprintf (stored_hash, stored_hash_size, "%s", "");
        *ticket_id = 0;
        return 0;
    }
    snprintf (stored_hash, stored_hash_size, "%s", PQgetvalue (result, 0, 0));
    *ticket_id = column_int (result, 0, 1);
    PQclear (result);
    return 0;
}

int
tickets_store_idempotency_bind (kefu_db_t *db, const char *actor, const char *key, int64_t ticket_id)
{
    char id[ID_TEXT_SIZE];
    snprintf (id, sizeof id, "%" PRId64, ticket_id);
    const char *values[] = { actor, key, id };
    return kefu_db_command (db, &sql_idempotency_bind, 3, values);
}

int
tickets_store_insert (kefu_db_t *db, const Kefu__V1__CreateTicketRequest *request,
                      const char *owner_staff_id, int64_t received_at_ms, tickets_rows_t *rows)
{
    char received[ID_TEXT_SIZE];
    snprintf (received, sizeof received, "%" PRId64, received_at_ms);
    const char *values[] = {
        request->kind, request->channel, request->priority, request->category, request->subject,
        request->description, request->customer_id, request->complainant_name,
        request->complainant_contact, request->requested_remedy, "received", owner_staff_id,
        received_at_ms ? received : NULL
    };
    PGresult *result = kefu_db_run (db, &sql_ticket_insert, 13, values);
    if (!result)
        return -1;
    return rows_of_tickets (result, rows);
}

int
tickets_store_get (kefu_db_t *db, int64_t id, bool for_update, tickets_rows_t *rows)
{
    char id_text[ID_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = { id_text };
    PGresult *result = kefu_db_run (db, for_update ? &sql_ticket_get_for_update : &sql_ticket_get, 1, values);
    if (!result)
        return -1;
    if (rows_of_tickets (result, rows) != 0)
        return -1;
    return rows->count == 1 ? 0 : 1;
}

int
tickets_store_update (kefu_db_t *db, int64_t id, const char *to, const tickets_changes_t *changes,
                      tickets_rows_t *rows)
{
    char id_text[ID_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = {
        id_text, to, changes->responsible_department, changes->responsible_person, changes->remedy,
        changes->remedy_proposed_by, changes->remedy_approved_by, changes->customer_confirmation,
        changes->rejection_explanation, changes->review_summary, changes->responsible_party,
        changes->sanction
    };
    PGresult *result = kefu_db_run (db, &sql_ticket_update, 12, values);
    if (!result)
        return -1;
    if (rows_of_tickets (result, rows) != 0)
        return -1;
    return rows->count == 1 ? 0 : 1;
}

int
tickets_store_record_transition (kefu_db_t *db, int64_t ticket_id, const char *from, const char *to,
                                 const char *actor_staff_id, const char *actor_roles,
                                 const char *reason, int64_t version, tickets_rows_t *rows)
{
    char id_text[ID_TEXT_SIZE], version_text[ID_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, ticket_id);
    snprintf (version_text, sizeof version_text, "%" PRId64, version);
    const char *values[] = { id_text, from, to, actor_staff_id, actor_roles, reason, version_text };
    PGresult *result = kefu_db_run (db, &sql_transition_insert, 7, values);
    if (!result)
        return -1;
    return rows_of_transitions (result, rows);
}

int
tickets_store_custom_plans (kefu_db_t *db)
{
    return kefu_db_command (db, &sql_custom_plans, 0, NULL);
}

int
tickets_store_list (kefu_db_t *db, const tickets_list_query_t *query, uint32_t limit,
                    tickets_rows_t *rows)
{
    const Kefu__V1__ListTicketsRequest *filters = query->filters;
    char after[ID_TEXT_SIZE], limit_text[ID_TEXT_SIZE];
    char created_from[TICKETS_SEARCH_MS_TEXT_SIZE], created_to[TICKETS_SEARCH_MS_TEXT_SIZE];
    char received_from[TICKETS_SEARCH_MS_TEXT_SIZE], received_to[TICKETS_SEARCH_MS_TEXT_SIZE];
    snprintf (after, sizeof after, "%" PRId64, filters->after);
    snprintf (limit_text, sizeof limit_text, "%" PRIu32, limit);
    const char *values[] = {
        after, filters->status, filters->kind, filters->customer_id, filters->assignee, limit_text,
        filters->owner, filters->priority, filters->channel, filters->category,
        tickets_search_ms_parameter (query->created_from_ms, created_from),
        tickets_search_ms_parameter (query->created_to_ms, created_to),
        tickets_search_ms_parameter (query->received_from_ms, received_from),
        tickets_search_ms_parameter (query->received_to_ms, received_to),
        query->text.pattern, query->text.gram
    };
    if (tickets_store_custom_plans (db) != 0)
        return -1;
    PGresult *result = kefu_db_run (db, &sql_ticket_list, 16, values);
    if (!result)
        return -1;
    return rows_of_tickets (result, rows);
}

int
tickets_store_history (kefu_db_t *db, int64_t id, tickets_rows_t *rows)
{
    char id_text[ID_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = { id_text };
    PGresult *result = kefu_db_run (db, &sql_history, 1, values);
    if (!result)
        return -1;
    return rows_of_transitions (result, rows);
}
