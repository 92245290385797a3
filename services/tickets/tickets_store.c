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
    "rfc3339(received_at), rfc3339(created_at), rfc3339(updated_at), assignee_staff_id, "          \
    "confirmation_method, coalesce(merged_into, 0), coalesce(department_id, 0)"

#define TRANSITION_COLUMNS \
    "ticket_id, from_status, to_status, actor_staff_id, reason, rfc3339(at), version, " \
    "coalesce(merged_from_ticket_id, 0)"

enum { ID_TEXT_SIZE = KEFU_DB_INT64_TEXT_SIZE };

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
    "  complainant_name, complainant_contact, requested_remedy, status, owner_staff_id, assignee_staff_id, "
    "  received_at, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, "
    "  to_timestamp(coalesce($13::bigint, $14::bigint) / 1000.0), to_timestamp($14::bigint / 1000.0), "
    "  to_timestamp($14::bigint / 1000.0)) "
    "RETURNING " TICKET_COLUMNS
};
static const kefu_sql_t sql_ticket_get = {
    "tickets_get", "SELECT " TICKET_COLUMNS " FROM tickets WHERE id = $1"
};
static const kefu_sql_t sql_ticket_get_for_update = {
    "tickets_get_for_update", "SELECT " TICKET_COLUMNS " FROM tickets WHERE id = $1 FOR UPDATE"
};
static const kefu_sql_t sql_ticket_lock_pair = {
    "tickets_lock_pair", "SELECT id FROM tickets WHERE id IN ($1, $2) ORDER BY id FOR UPDATE"
};
static const kefu_sql_t sql_ticket_update = {
    "tickets_update",
    "UPDATE tickets SET status = coalesce($2, status), version = version + 1, "
    "  updated_at = to_timestamp($17::bigint / 1000.0), "
    "  responsible_department = coalesce($3, responsible_department), "
    "  responsible_person = coalesce($4, responsible_person), "
    "  remedy = coalesce($5, remedy), "
    "  remedy_proposed_by = coalesce($6, remedy_proposed_by), "
    "  remedy_approved_by = coalesce($7, remedy_approved_by), "
    "  customer_confirmation = coalesce($8, customer_confirmation), "
    "  rejection_explanation = coalesce($9, rejection_explanation), "
    "  review_summary = coalesce($10, review_summary), "
    "  responsible_party = coalesce($11, responsible_party), "
    "  sanction = coalesce($12, sanction), "
    "  confirmation_method = coalesce($13, confirmation_method), "
    "  merged_into = coalesce($14::bigint, merged_into), "
    "  department_id = coalesce($15::bigint, department_id), "
    "  assignee_staff_id = coalesce($16, assignee_staff_id) "
    "WHERE id = $1 RETURNING " TICKET_COLUMNS
};
static const kefu_sql_t sql_transition_insert = {
    "tickets_transition_insert",
    "INSERT INTO ticket_transitions (ticket_id, from_status, to_status, actor_staff_id, actor_roles, "
    "  reason, version, at) VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::bigint / 1000.0)) "
    "RETURNING " TRANSITION_COLUMNS
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
    "  AND ($4 = '' OR customer_id = $4) AND ($5 = '' OR assignee_staff_id = $5) "
    "  AND ($17 = '' OR responsible_person = $17) AND ($7 = '' OR owner_staff_id = $7) AND ($8 = '' OR priority = $8) "
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
    free (rows->messages);
    free (rows->message_pointers);
    free (rows->tickets);
    free (rows->ticket_pointers);
    free (rows->transitions);
    free (rows->transition_pointers);
    memset (rows, 0, sizeof *rows);
}

static void
ticket_from_row (PGresult *result, int row, void *message)
{
    Kefu__V1__Ticket *ticket = message;
    kefu__v1__ticket__init (ticket);
    int c = 0;
    ticket->id = kefu_db_int64 (result, row, c++);
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
    ticket->version = kefu_db_int64 (result, row, c++);
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
    ticket->assignee_staff_id = PQgetvalue (result, row, c++);
    ticket->confirmation_method = PQgetvalue (result, row, c++);
    ticket->merged_into = kefu_db_int64 (result, row, c++);
    ticket->department_id = kefu_db_int64 (result, row, c++);
}

static void
transition_from_row (PGresult *result, int row, void *message)
{
    Kefu__V1__TicketTransition *transition = message;
    kefu__v1__ticket_transition__init (transition);
    transition->ticket_id = kefu_db_int64 (result, row, 0);
    transition->from_status = PQgetvalue (result, row, 1);
    transition->to_status = PQgetvalue (result, row, 2);
    transition->actor_staff_id = PQgetvalue (result, row, 3);
    transition->reason = PQgetvalue (result, row, 4);
    transition->at = PQgetvalue (result, row, 5);
    transition->version = kefu_db_int64 (result, row, 6);
    transition->merged_from_ticket_id = kefu_db_int64 (result, row, 7);
}

typedef void (row_reader_fn) (PGresult *result, int row, void *message);

/*  Take ownership of `result` and read its rows as messages of `size`
 *  bytes with `reader`. */
static int
rows_read (PGresult *result, tickets_rows_t *rows, size_t size, row_reader_fn *reader)
{
    memset (rows, 0, sizeof *rows);
    rows->result = result;
    rows->count = (size_t) PQntuples (result);
    if (rows->count == 0)
        return 0;
    rows->messages = calloc (rows->count, size);
    rows->message_pointers = calloc (rows->count, sizeof *rows->message_pointers);
    if (!rows->messages || !rows->message_pointers) {
        tickets_rows_release (rows);
        return -1;
    }
    for (size_t i = 0; i < rows->count; i++) {
        void *message = (char *) rows->messages + i * size;
        reader (result, (int) i, message);
        rows->message_pointers[i] = message;
    }
    return 0;
}

/*  The same as tickets, which callers reach by their own members
 *  (rows->tickets[0]) rather than as messages. */
static int
rows_of_tickets (PGresult *result, tickets_rows_t *rows)
{
    if (rows_read (result, rows, sizeof *rows->tickets, ticket_from_row) != 0)
        return -1;
    rows->tickets = rows->messages;
    rows->ticket_pointers = (Kefu__V1__Ticket **) rows->message_pointers;
    rows->messages = NULL;
    rows->message_pointers = NULL;
    return 0;
}

/*  The same as transitions. */
static int
rows_of_transitions (PGresult *result, tickets_rows_t *rows)
{
    if (rows_read (result, rows, sizeof *rows->transitions, transition_from_row) != 0)
        return -1;
    rows->transitions = rows->messages;
    rows->transition_pointers = (Kefu__V1__TicketTransition **) rows->message_pointers;
    rows->messages = NULL;
    rows->message_pointers = NULL;
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
    *ticket_id = kefu_db_int64 (result, 0, 1);
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
                      const char *owner_staff_id, int64_t received_at_ms, int64_t now_ms, tickets_rows_t *rows)
{
    char received[ID_TEXT_SIZE], now[ID_TEXT_SIZE];
    snprintf (received, sizeof received, "%" PRId64, received_at_ms);
    snprintf (now, sizeof now, "%" PRId64, now_ms);
    const char *values[] = {
        request->kind, request->channel, request->priority, request->category, request->subject,
        request->description, request->customer_id, request->complainant_name,
        request->complainant_contact, request->requested_remedy, "received", owner_staff_id,
        received_at_ms ? received : NULL, now
    };
    PGresult *result = kefu_db_run (db, &sql_ticket_insert, 14, values);
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
tickets_store_lock_pair (kefu_db_t *db, int64_t a, int64_t b)
{
    char a_text[ID_TEXT_SIZE], b_text[ID_TEXT_SIZE];
    snprintf (a_text, sizeof a_text, "%" PRId64, a);
    snprintf (b_text, sizeof b_text, "%" PRId64, b);
    const char *values[] = { a_text, b_text };
    return kefu_db_command (db, &sql_ticket_lock_pair, 2, values);
}

int
tickets_store_update (kefu_db_t *db, int64_t id, const char *to, const tickets_changes_t *changes,
                      int64_t at_ms, tickets_rows_t *rows)
{
    char id_text[ID_TEXT_SIZE], at_text[ID_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    snprintf (at_text, sizeof at_text, "%" PRId64, at_ms);
    char merged_into[ID_TEXT_SIZE], department[ID_TEXT_SIZE];
    snprintf (merged_into, sizeof merged_into, "%" PRId64, changes->merged_into);
    snprintf (department, sizeof department, "%" PRId64, changes->department_id);
    const char *values[] = {
        id_text, to, changes->responsible_department, changes->responsible_person, changes->remedy,
        changes->remedy_proposed_by, changes->remedy_approved_by, changes->customer_confirmation,
        changes->rejection_explanation, changes->review_summary, changes->responsible_party,
        changes->sanction, changes->confirmation_method, changes->merged_into ? merged_into : NULL,
        changes->department_id ? department : NULL, changes->assignee_staff_id, at_text
    };
    PGresult *result = kefu_db_run (db, &sql_ticket_update, 17, values);
    if (!result)
        return -1;
    if (rows_of_tickets (result, rows) != 0)
        return -1;
    return rows->count == 1 ? 0 : 1;
}

int
tickets_store_record_transition (kefu_db_t *db, int64_t ticket_id, const char *from, const char *to,
                                 const char *actor_staff_id, const char *actor_roles,
                                 const char *reason, int64_t version, int64_t at_ms, tickets_rows_t *rows)
{
    char id_text[ID_TEXT_SIZE], version_text[ID_TEXT_SIZE], at_text[ID_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, ticket_id);
    snprintf (version_text, sizeof version_text, "%" PRId64, version);
    snprintf (at_text, sizeof at_text, "%" PRId64, at_ms);
    const char *values[] = { id_text, from, to, actor_staff_id, actor_roles, reason, version_text, at_text };
    PGresult *result = kefu_db_run (db, &sql_transition_insert, 8, values);
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
        query->text.pattern, query->text.gram, filters->responsible_person
    };
    if (tickets_store_custom_plans (db) != 0)
        return -1;
    PGresult *result = kefu_db_run (db, &sql_ticket_list, 17, values);
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

/* --- the parts of a ticket ------------------------------------------------ */

#define AT_PARAM(n) "to_timestamp(" n "::bigint / 1000.0)"

static const kefu_sql_t sql_handoff_insert = {
    "tickets_handoff_insert",
    "INSERT INTO ticket_handoffs (ticket_id, from_staff_id, to_staff_id, by_staff_id, reason, at) "
    "VALUES ($1, $2, $3, $4, $5, " AT_PARAM ("$6") ") "
    "RETURNING ticket_id, from_staff_id, to_staff_id, by_staff_id, reason, rfc3339(at)"
};
static const kefu_sql_t sql_handoffs = {
    "tickets_handoffs",
    "SELECT ticket_id, from_staff_id, to_staff_id, by_staff_id, reason, rfc3339(at) "
    "FROM ticket_handoffs WHERE ticket_id = $1 ORDER BY id"
};
static const kefu_sql_t sql_watcher_insert = {
    "tickets_watcher_insert",
    "INSERT INTO ticket_watchers (ticket_id, staff_id, added_by, added_at) "
    "VALUES ($1, $2, $3, " AT_PARAM ("$4") ") ON CONFLICT DO NOTHING "
    "RETURNING ticket_id, staff_id, added_by, rfc3339(added_at)"
};
static const kefu_sql_t sql_watcher_delete = {
    "tickets_watcher_delete",
    "DELETE FROM ticket_watchers WHERE ticket_id = $1 AND staff_id = $2 "
    "RETURNING ticket_id, staff_id, added_by, rfc3339(added_at)"
};
static const kefu_sql_t sql_watchers = {
    "tickets_watchers",
    "SELECT ticket_id, staff_id, added_by, rfc3339(added_at) FROM ticket_watchers "
    "WHERE ticket_id = $1 ORDER BY added_at, staff_id"
};
#define COMMENT_COLUMNS                                                                           \
    "id, ticket_id, body, visibility, author_staff_id, rfc3339(created_at), coalesce(merged_from_ticket_id, 0), " \
    "coalesce(reply_id, 0), coalesce(reply_version, 0)"
static const kefu_sql_t sql_comment_insert = {
    "tickets_comment_insert",
    "INSERT INTO ticket_comments (ticket_id, body, visibility, author_staff_id, created_at, reply_id, "
    "  reply_version) "
    "VALUES ($1, $2, $3, $4, " AT_PARAM ("$5") ", nullif($6::bigint, 0), nullif($7::integer, 0)) "
    "RETURNING " COMMENT_COLUMNS
};
static const kefu_sql_t sql_comments = {
    "tickets_comments",
    "SELECT " COMMENT_COLUMNS " FROM ticket_comments WHERE ticket_id = $1 AND ($2 = '' OR visibility = $2) "
    "ORDER BY id"
};
#define ATTACHMENT_COLUMNS                                                                     \
    "id, ticket_id, file_name, media_type, size_bytes, sha256, storage_uri, added_by, "       \
    "rfc3339(created_at), coalesce(merged_from_ticket_id, 0)"
static const kefu_sql_t sql_attachment_insert = {
    "tickets_attachment_insert",
    "INSERT INTO ticket_attachments (ticket_id, file_name, media_type, size_bytes, sha256, storage_uri, "
    "  added_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, " AT_PARAM ("$8") ") "
    "RETURNING " ATTACHMENT_COLUMNS
};
static const kefu_sql_t sql_attachments = {
    "tickets_attachments",
    "SELECT " ATTACHMENT_COLUMNS " FROM ticket_attachments WHERE ticket_id = $1 ORDER BY id"
};
#define DISPATCH_COLUMNS                                                                        \
    "ticket_id, coalesce(from_department_id, 0), to_department_id, by_staff_id, reason, "      \
    "coalesce(routing_rule_id, 0), rfc3339(at)"
static const kefu_sql_t sql_dispatch_insert = {
    "tickets_dispatch_insert",
    "INSERT INTO ticket_dispatches (ticket_id, from_department_id, to_department_id, by_staff_id, reason, "
    "  routing_rule_id, at) VALUES ($1, $2, $3, $4, $5, $6, " AT_PARAM ("$7") ") RETURNING " DISPATCH_COLUMNS
};
static const kefu_sql_t sql_dispatches = {
    "tickets_dispatches",
    "SELECT " DISPATCH_COLUMNS " FROM ticket_dispatches WHERE ticket_id = $1 ORDER BY id"
};
/*  Copies keep their own times and authors; the copy of an already copied
 *  row names the ticket it first came from. */
static const kefu_sql_t sql_merge_transitions = {
    "tickets_merge_transitions",
    "INSERT INTO ticket_transitions (ticket_id, from_status, to_status, actor_staff_id, actor_roles, reason, "
    "  version, at, merged_from_ticket_id) "
    "SELECT $2, from_status, to_status, actor_staff_id, actor_roles, reason, version, at, "
    "  coalesce(merged_from_ticket_id, $1) FROM ticket_transitions WHERE ticket_id = $1 ORDER BY id"
};
static const kefu_sql_t sql_merge_comments = {
    "tickets_merge_comments",
    "INSERT INTO ticket_comments (ticket_id, body, visibility, author_staff_id, created_at, merged_from_ticket_id, "
    "  reply_id, reply_version) "
    "SELECT $2, body, visibility, author_staff_id, created_at, coalesce(merged_from_ticket_id, $1), reply_id, "
    "  reply_version "
    "FROM ticket_comments WHERE ticket_id = $1 ORDER BY id"
};
static const kefu_sql_t sql_merge_attachments = {
    "tickets_merge_attachments",
    "INSERT INTO ticket_attachments (ticket_id, file_name, media_type, size_bytes, sha256, storage_uri, "
    "  added_by, created_at, merged_from_ticket_id) "
    "SELECT $2, file_name, media_type, size_bytes, sha256, storage_uri, added_by, created_at, "
    "  coalesce(merged_from_ticket_id, $1) FROM ticket_attachments WHERE ticket_id = $1 ORDER BY id"
};
static const kefu_sql_t sql_merge_watchers = {
    "tickets_merge_watchers",
    "INSERT INTO ticket_watchers (ticket_id, staff_id, added_by, added_at) "
    "SELECT $2, staff_id, added_by, added_at FROM ticket_watchers WHERE ticket_id = $1 "
    "ON CONFLICT DO NOTHING"
};
static const kefu_sql_t sql_accountability = {
    "tickets_accountability",
    "SELECT " TICKET_COLUMNS " FROM tickets WHERE id > $1 "
    "  AND ($2 = '' OR responsible_department = $2) AND ($3 = '' OR responsible_person = $3) "
    "  AND ($4 = '' OR responsible_party = $4) "
    "  AND (responsible_department <> '' OR responsible_person <> '' OR responsible_party <> '') "
    "ORDER BY id LIMIT $5"
};

#define DEPARTMENT_COLUMNS "id, name, active, version, rfc3339(created_at), rfc3339(updated_at)"
static const kefu_sql_t sql_department_insert = {
    "tickets_department_insert",
    "INSERT INTO departments (name, created_at, updated_at) VALUES ($1, " AT_PARAM ("$2") ", "
    AT_PARAM ("$2") ") ON CONFLICT DO NOTHING RETURNING " DEPARTMENT_COLUMNS
};
static const kefu_sql_t sql_department_get = {
    "tickets_department_get", "SELECT " DEPARTMENT_COLUMNS " FROM departments WHERE id = $1"
};
static const kefu_sql_t sql_department_get_for_update = {
    "tickets_department_get_for_update", "SELECT " DEPARTMENT_COLUMNS " FROM departments WHERE id = $1 FOR UPDATE"
};
static const kefu_sql_t sql_department_update = {
    "tickets_department_update",
    "UPDATE departments SET name = $2, active = $3, version = version + 1, updated_at = " AT_PARAM ("$4")
    " WHERE id = $1 RETURNING " DEPARTMENT_COLUMNS
};
static const kefu_sql_t sql_department_delete = {
    "tickets_department_delete", "DELETE FROM departments WHERE id = $1 RETURNING " DEPARTMENT_COLUMNS
};
static const kefu_sql_t sql_departments = {
    "tickets_departments", "SELECT " DEPARTMENT_COLUMNS " FROM departments WHERE id > $1 ORDER BY id LIMIT $2"
};
#define RULE_COLUMNS "id, category, department_id, version, rfc3339(created_at), rfc3339(updated_at)"
static const kefu_sql_t sql_rule_insert = {
    "tickets_rule_insert",
    "INSERT INTO routing_rules (category, department_id, created_at, updated_at) VALUES ($1, $2, "
    AT_PARAM ("$3") ", " AT_PARAM ("$3") ") ON CONFLICT DO NOTHING RETURNING " RULE_COLUMNS
};
static const kefu_sql_t sql_rule_get = {
    "tickets_rule_get", "SELECT " RULE_COLUMNS " FROM routing_rules WHERE id = $1"
};
static const kefu_sql_t sql_rule_get_for_update = {
    "tickets_rule_get_for_update", "SELECT " RULE_COLUMNS " FROM routing_rules WHERE id = $1 FOR UPDATE"
};
static const kefu_sql_t sql_rule_update = {
    "tickets_rule_update",
    "UPDATE routing_rules SET category = $2, department_id = $3, version = version + 1, updated_at = "
    AT_PARAM ("$4") " WHERE id = $1 RETURNING " RULE_COLUMNS
};
static const kefu_sql_t sql_rule_delete = {
    "tickets_rule_delete", "DELETE FROM routing_rules WHERE id = $1 RETURNING " RULE_COLUMNS
};
static const kefu_sql_t sql_rules = {
    "tickets_rules", "SELECT " RULE_COLUMNS " FROM routing_rules WHERE id > $1 ORDER BY id LIMIT $2"
};
static const kefu_sql_t sql_route = {
    "tickets_route",
    "SELECT r.id, r.department_id FROM routing_rules r JOIN departments d ON d.id = r.department_id "
    "WHERE r.category = $1 AND d.active"
};

static const kefu_sql_t sql_creation_key_claim = {
    "tickets_creation_key_claim",
    "INSERT INTO creation_keys (actor_staff_id, key, method, request_hash) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING RETURNING 1"
};
static const kefu_sql_t sql_creation_key_read = {
    "tickets_creation_key_read",
    "SELECT method, request_hash, coalesce(result_id, 0) FROM creation_keys WHERE actor_staff_id = $1 AND key = $2"
};
static const kefu_sql_t sql_creation_key_bind = {
    "tickets_creation_key_bind",
    "UPDATE creation_keys SET result_id = $3 WHERE actor_staff_id = $1 AND key = $2"
};
static const kefu_sql_t sql_comment_get = {
    "tickets_comment_get", "SELECT " COMMENT_COLUMNS " FROM ticket_comments WHERE ticket_id = $1 AND id = $2"
};
static const kefu_sql_t sql_attachment_get = {
    "tickets_attachment_get",
    "SELECT " ATTACHMENT_COLUMNS " FROM ticket_attachments WHERE ticket_id = $1 AND id = $2"
};

/*  Run and read; 0 with rows, -1 on failure. */
static int
run_read (kefu_db_t *db, const kefu_sql_t *sql, int count, const char *const *values, tickets_rows_t *rows,
          size_t size, row_reader_fn *reader)
{
    PGresult *result = kefu_db_run (db, sql, count, values);
    if (!result)
        return -1;
    return rows_read (result, rows, size, reader);
}

/*  The same, answering 1 when no row came back. */
static int
run_read_one (kefu_db_t *db, const kefu_sql_t *sql, int count, const char *const *values,
              tickets_rows_t *rows, size_t size, row_reader_fn *reader)
{
    if (run_read (db, sql, count, values, rows, size, reader) != 0)
        return -1;
    return rows->count == 1 ? 0 : 1;
}

static void
handoff_from_row (PGresult *result, int row, void *message)
{
    Kefu__V1__TicketHandoff *handoff = message;
    kefu__v1__ticket_handoff__init (handoff);
    handoff->ticket_id = kefu_db_int64 (result, row, 0);
    handoff->from_staff_id = PQgetvalue (result, row, 1);
    handoff->to_staff_id = PQgetvalue (result, row, 2);
    handoff->by_staff_id = PQgetvalue (result, row, 3);
    handoff->reason = PQgetvalue (result, row, 4);
    handoff->at = PQgetvalue (result, row, 5);
}

static void
watcher_from_row (PGresult *result, int row, void *message)
{
    Kefu__V1__TicketWatcher *watcher = message;
    kefu__v1__ticket_watcher__init (watcher);
    watcher->ticket_id = kefu_db_int64 (result, row, 0);
    watcher->staff_id = PQgetvalue (result, row, 1);
    watcher->added_by = PQgetvalue (result, row, 2);
    watcher->added_at = PQgetvalue (result, row, 3);
}

static void
comment_from_row (PGresult *result, int row, void *message)
{
    Kefu__V1__TicketComment *comment = message;
    kefu__v1__ticket_comment__init (comment);
    comment->id = kefu_db_int64 (result, row, 0);
    comment->ticket_id = kefu_db_int64 (result, row, 1);
    comment->body = PQgetvalue (result, row, 2);
    comment->visibility = PQgetvalue (result, row, 3);
    comment->author_staff_id = PQgetvalue (result, row, 4);
    comment->created_at = PQgetvalue (result, row, 5);
    comment->merged_from_ticket_id = kefu_db_int64 (result, row, 6);
    comment->reply_id = kefu_db_int64 (result, row, 7);
    comment->reply_version = kefu_db_int64 (result, row, 8);
}

static void
attachment_from_row (PGresult *result, int row, void *message)
{
    Kefu__V1__TicketAttachment *attachment = message;
    kefu__v1__ticket_attachment__init (attachment);
    attachment->id = kefu_db_int64 (result, row, 0);
    attachment->ticket_id = kefu_db_int64 (result, row, 1);
    attachment->file_name = PQgetvalue (result, row, 2);
    attachment->media_type = PQgetvalue (result, row, 3);
    attachment->size_bytes = kefu_db_int64 (result, row, 4);
    attachment->sha256 = PQgetvalue (result, row, 5);
    attachment->storage_uri = PQgetvalue (result, row, 6);
    attachment->added_by = PQgetvalue (result, row, 7);
    attachment->created_at = PQgetvalue (result, row, 8);
    attachment->merged_from_ticket_id = kefu_db_int64 (result, row, 9);
}

static void
dispatch_from_row (PGresult *result, int row, void *message)
{
    Kefu__V1__TicketDispatch *dispatch = message;
    kefu__v1__ticket_dispatch__init (dispatch);
    dispatch->ticket_id = kefu_db_int64 (result, row, 0);
    dispatch->from_department_id = kefu_db_int64 (result, row, 1);
    dispatch->to_department_id = kefu_db_int64 (result, row, 2);
    dispatch->by_staff_id = PQgetvalue (result, row, 3);
    dispatch->reason = PQgetvalue (result, row, 4);
    dispatch->routing_rule_id = kefu_db_int64 (result, row, 5);
    dispatch->at = PQgetvalue (result, row, 6);
}

static void
department_from_row (PGresult *result, int row, void *message)
{
    Kefu__V1__Department *department = message;
    kefu__v1__department__init (department);
    department->id = kefu_db_int64 (result, row, 0);
    department->name = PQgetvalue (result, row, 1);
    department->active = kefu_db_bool (result, row, 2);
    department->version = kefu_db_int64 (result, row, 3);
    department->created_at = PQgetvalue (result, row, 4);
    department->updated_at = PQgetvalue (result, row, 5);
}

static void
rule_from_row (PGresult *result, int row, void *message)
{
    Kefu__V1__RoutingRule *rule = message;
    kefu__v1__routing_rule__init (rule);
    rule->id = kefu_db_int64 (result, row, 0);
    rule->category = PQgetvalue (result, row, 1);
    rule->department_id = kefu_db_int64 (result, row, 2);
    rule->version = kefu_db_int64 (result, row, 3);
    rule->created_at = PQgetvalue (result, row, 4);
    rule->updated_at = PQgetvalue (result, row, 5);
}


int
tickets_store_handoff_add (kefu_db_t *db, int64_t ticket_id, const char *from, const char *to, const char *by,
                           const char *reason, int64_t at_ms, tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE], at[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (ticket_id, id), from, to, by, reason, kefu_db_int64_text (at_ms, at) };
    return run_read_one (db, &sql_handoff_insert, 6, values, rows, sizeof (Kefu__V1__TicketHandoff),
                         handoff_from_row);
}

int
tickets_store_handoffs (kefu_db_t *db, int64_t ticket_id, tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (ticket_id, id) };
    return run_read (db, &sql_handoffs, 1, values, rows, sizeof (Kefu__V1__TicketHandoff), handoff_from_row);
}

int
tickets_store_watcher_add (kefu_db_t *db, int64_t ticket_id, const char *staff_id, const char *by,
                           int64_t at_ms, tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE], at[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (ticket_id, id), staff_id, by, kefu_db_int64_text (at_ms, at) };
    return run_read_one (db, &sql_watcher_insert, 4, values, rows, sizeof (Kefu__V1__TicketWatcher),
                         watcher_from_row);
}

int
tickets_store_watcher_remove (kefu_db_t *db, int64_t ticket_id, const char *staff_id, tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (ticket_id, id), staff_id };
    return run_read_one (db, &sql_watcher_delete, 2, values, rows, sizeof (Kefu__V1__TicketWatcher),
                         watcher_from_row);
}

int
tickets_store_watchers (kefu_db_t *db, int64_t ticket_id, tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (ticket_id, id) };
    return run_read (db, &sql_watchers, 1, values, rows, sizeof (Kefu__V1__TicketWatcher), watcher_from_row);
}

int
tickets_store_comment_add (kefu_db_t *db, int64_t ticket_id, const char *body, const char *visibility,
                           const char *author, int64_t reply_id, int64_t reply_version, int64_t at_ms,
                           tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE], at[ID_TEXT_SIZE], reply[ID_TEXT_SIZE], version[ID_TEXT_SIZE];
    const char *values[] = {
        kefu_db_int64_text (ticket_id, id), body, visibility, author, kefu_db_int64_text (at_ms, at), kefu_db_int64_text (reply_id, reply),
        kefu_db_int64_text (reply_version, version)
    };
    return run_read_one (db, &sql_comment_insert, 7, values, rows, sizeof (Kefu__V1__TicketComment),
                         comment_from_row);
}

int
tickets_store_comments (kefu_db_t *db, int64_t ticket_id, const char *visibility, tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (ticket_id, id), visibility };
    return run_read (db, &sql_comments, 2, values, rows, sizeof (Kefu__V1__TicketComment), comment_from_row);
}

int
tickets_store_attachment_add (kefu_db_t *db, const Kefu__V1__AddAttachmentRequest *request, const char *by,
                              int64_t at_ms, tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE], size[ID_TEXT_SIZE], at[ID_TEXT_SIZE];
    const char *values[] = {
        kefu_db_int64_text (request->id, id), request->file_name, request->media_type, kefu_db_int64_text (request->size_bytes, size),
        request->sha256, request->storage_uri, by, kefu_db_int64_text (at_ms, at)
    };
    return run_read_one (db, &sql_attachment_insert, 8, values, rows, sizeof (Kefu__V1__TicketAttachment),
                         attachment_from_row);
}

int
tickets_store_attachments (kefu_db_t *db, int64_t ticket_id, tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (ticket_id, id) };
    return run_read (db, &sql_attachments, 1, values, rows, sizeof (Kefu__V1__TicketAttachment),
                     attachment_from_row);
}

int
tickets_store_dispatch_add (kefu_db_t *db, int64_t ticket_id, int64_t from_department, int64_t to_department,
                            const char *by, const char *reason, int64_t rule_id, int64_t at_ms,
                            tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE], from[ID_TEXT_SIZE], to[ID_TEXT_SIZE], rule[ID_TEXT_SIZE], at[ID_TEXT_SIZE];
    const char *values[] = {
        kefu_db_int64_text (ticket_id, id), from_department ? kefu_db_int64_text (from_department, from) : NULL,
        kefu_db_int64_text (to_department, to), by, reason, rule_id ? kefu_db_int64_text (rule_id, rule) : NULL, kefu_db_int64_text (at_ms, at)
    };
    return run_read_one (db, &sql_dispatch_insert, 7, values, rows, sizeof (Kefu__V1__TicketDispatch),
                         dispatch_from_row);
}

int
tickets_store_dispatches (kefu_db_t *db, int64_t ticket_id, tickets_rows_t *rows)
{
    char id[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (ticket_id, id) };
    return run_read (db, &sql_dispatches, 1, values, rows, sizeof (Kefu__V1__TicketDispatch), dispatch_from_row);
}

int
tickets_store_merge_parts (kefu_db_t *db, int64_t duplicate, int64_t primary)
{
    char from[ID_TEXT_SIZE], into[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (duplicate, from), kefu_db_int64_text (primary, into) };
    const kefu_sql_t *statements[] = {
        &sql_merge_transitions, &sql_merge_comments, &sql_merge_attachments, &sql_merge_watchers
    };
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++)
        if (kefu_db_command (db, statements[i], 2, values) != 0)
            return -1;
    return 0;
}

int
tickets_store_accountability (kefu_db_t *db, const Kefu__V1__ListAccountabilityRequest *filters, uint32_t limit,
                              tickets_rows_t *rows)
{
    char after[ID_TEXT_SIZE], limit_text[ID_TEXT_SIZE];
    const char *values[] = {
        kefu_db_int64_text (filters->after, after), filters->responsible_department, filters->responsible_person,
        filters->responsible_party, kefu_db_int64_text (limit, limit_text)
    };
    PGresult *result = kefu_db_run (db, &sql_accountability, 5, values);
    if (!result)
        return -1;
    return rows_of_tickets (result, rows);
}

int
tickets_store_department_create (kefu_db_t *db, const char *name, int64_t at_ms, tickets_rows_t *rows)
{
    char at[ID_TEXT_SIZE];
    const char *values[] = { name, kefu_db_int64_text (at_ms, at) };
    return run_read_one (db, &sql_department_insert, 2, values, rows, sizeof (Kefu__V1__Department),
                         department_from_row);
}

int
tickets_store_department_get (kefu_db_t *db, int64_t id, bool for_update, tickets_rows_t *rows)
{
    char id_buffer[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (id, id_buffer) };
    return run_read_one (db, for_update ? &sql_department_get_for_update : &sql_department_get, 1, values, rows,
                         sizeof (Kefu__V1__Department), department_from_row);
}

int
tickets_store_department_update (kefu_db_t *db, int64_t id, const char *name, bool active, int64_t at_ms,
                                 tickets_rows_t *rows)
{
    char id_buffer[ID_TEXT_SIZE], at[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (id, id_buffer), name, active ? "true" : "false", kefu_db_int64_text (at_ms, at) };
    return run_read_one (db, &sql_department_update, 4, values, rows, sizeof (Kefu__V1__Department),
                         department_from_row);
}

int
tickets_store_department_delete (kefu_db_t *db, int64_t id, tickets_rows_t *rows)
{
    char id_buffer[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (id, id_buffer) };
    return run_read_one (db, &sql_department_delete, 1, values, rows, sizeof (Kefu__V1__Department),
                         department_from_row);
}

int
tickets_store_departments (kefu_db_t *db, int64_t after, uint32_t limit, tickets_rows_t *rows)
{
    char after_text[ID_TEXT_SIZE], limit_text[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (after, after_text), kefu_db_int64_text (limit, limit_text) };
    return run_read (db, &sql_departments, 2, values, rows, sizeof (Kefu__V1__Department), department_from_row);
}

int
tickets_store_rule_create (kefu_db_t *db, const char *category, int64_t department_id, int64_t at_ms,
                           tickets_rows_t *rows)
{
    char department[ID_TEXT_SIZE], at[ID_TEXT_SIZE];
    const char *values[] = { category, kefu_db_int64_text (department_id, department), kefu_db_int64_text (at_ms, at) };
    return run_read_one (db, &sql_rule_insert, 3, values, rows, sizeof (Kefu__V1__RoutingRule), rule_from_row);
}

int
tickets_store_rule_get (kefu_db_t *db, int64_t id, bool for_update, tickets_rows_t *rows)
{
    char id_buffer[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (id, id_buffer) };
    return run_read_one (db, for_update ? &sql_rule_get_for_update : &sql_rule_get, 1, values, rows,
                         sizeof (Kefu__V1__RoutingRule), rule_from_row);
}

int
tickets_store_rule_update (kefu_db_t *db, int64_t id, const char *category, int64_t department_id,
                           int64_t at_ms, tickets_rows_t *rows)
{
    char id_buffer[ID_TEXT_SIZE], department[ID_TEXT_SIZE], at[ID_TEXT_SIZE];
    const char *values[] = {
        kefu_db_int64_text (id, id_buffer), category, kefu_db_int64_text (department_id, department), kefu_db_int64_text (at_ms, at)
    };
    return run_read_one (db, &sql_rule_update, 4, values, rows, sizeof (Kefu__V1__RoutingRule), rule_from_row);
}

int
tickets_store_rule_delete (kefu_db_t *db, int64_t id, tickets_rows_t *rows)
{
    char id_buffer[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (id, id_buffer) };
    return run_read_one (db, &sql_rule_delete, 1, values, rows, sizeof (Kefu__V1__RoutingRule), rule_from_row);
}

int
tickets_store_rules (kefu_db_t *db, int64_t after, uint32_t limit, tickets_rows_t *rows)
{
    char after_text[ID_TEXT_SIZE], limit_text[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (after, after_text), kefu_db_int64_text (limit, limit_text) };
    return run_read (db, &sql_rules, 2, values, rows, sizeof (Kefu__V1__RoutingRule), rule_from_row);
}

int
tickets_store_route (kefu_db_t *db, const char *category, int64_t *rule_id, int64_t *department_id)
{
    const char *values[] = { category };
    PGresult *result = kefu_db_run (db, &sql_route, 1, values);
    if (!result)
        return -1;
    int found = PQntuples (result) == 1;
    if (found) {
        *rule_id = kefu_db_int64 (result, 0, 0);
        *department_id = kefu_db_int64 (result, 0, 1);
    }
    PQclear (result);
    return found ? 0 : 1;
}

int
tickets_store_creation_key_claim (kefu_db_t *db, const char *actor, const char *key, const char *method,
                                  const char *hash, bool *claimed, tickets_creation_key_t *stored)
{
    const char *values[] = { actor, key, method, hash };
    memset (stored, 0, sizeof *stored);
    PGresult *result = kefu_db_run (db, &sql_creation_key_claim, 4, values);
    if (!result)
        return -1;
    *claimed = PQntuples (result) == 1;
    PQclear (result);
    if (*claimed)
        return 0;
    /*  In READ COMMITTED this sees the row of the transaction we waited
     *  for; none if it rolled back (stored->hash stays ""). */
    result = kefu_db_run (db, &sql_creation_key_read, 2, values);
    if (!result)
        return -1;
    if (PQntuples (result) == 1) {
        snprintf (stored->method, sizeof stored->method, "%s", PQgetvalue (result, 0, 0));
        snprintf (stored->hash, sizeof stored->hash, "%s", PQgetvalue (result, 0, 1));
        stored->result_id = kefu_db_int64 (result, 0, 2);
    }
    PQclear (result);
    return 0;
}

int
tickets_store_creation_key_bind (kefu_db_t *db, const char *actor, const char *key, int64_t result_id)
{
    char id[ID_TEXT_SIZE];
    const char *values[] = { actor, key, kefu_db_int64_text (result_id, id) };
    return kefu_db_command (db, &sql_creation_key_bind, 3, values);
}

int
tickets_store_comment_get (kefu_db_t *db, int64_t ticket_id, int64_t id, tickets_rows_t *rows)
{
    char ticket[ID_TEXT_SIZE], comment[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (ticket_id, ticket), kefu_db_int64_text (id, comment) };
    return run_read_one (db, &sql_comment_get, 2, values, rows, sizeof (Kefu__V1__TicketComment), comment_from_row);
}

int
tickets_store_attachment_get (kefu_db_t *db, int64_t ticket_id, int64_t id, tickets_rows_t *rows)
{
    char ticket[ID_TEXT_SIZE], attachment[ID_TEXT_SIZE];
    const char *values[] = { kefu_db_int64_text (ticket_id, ticket), kefu_db_int64_text (id, attachment) };
    return run_read_one (db, &sql_attachment_get, 2, values, rows, sizeof (Kefu__V1__TicketAttachment),
                         attachment_from_row);
}
