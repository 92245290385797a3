/*  tickets_replies: the standard-reply methods (TKT-10). See
 *  tickets_replies.h; the SQL is in tickets_replies_store.c.
 */
#include "tickets_replies.h"
#include "tickets_apply.h"
#include "tickets_replies_store.h"
#include "tickets_search.h"
#include "tickets_store.h"

#include "kefu_audit.h"
#include "kefu_idempotency.h"
#include "kefu_outbox.h"
#include "kefu_roles.h"
#include "kefu_text.h"
#include "kefu_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*  Field bounds, in characters. */
enum {
    CATEGORY_MAX = 100, /* as a ticket's category */
    TITLE_MAX = 200,
    BODY_MAX = 10000,
    REASON_MAX = 2000,
    LIST_DEFAULT = 50,
    LIST_MAX = 200,
    RESOURCE_MAX = 64
};

/*  Who approves and retires standard replies. */
#define REPLY_REVIEWERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)

static const char STATE_APPROVED[] = "approved";
/*  The list's state filter: a state, or "any". */
static const char *const list_states[] = { "approved", "draft", "retired", "any", NULL };
static const char LIST_STATE_ANY[] = "any";

static void
reply_resource (int64_t id, char *out, size_t size)
{
    snprintf (out, size, "reply/%" PRId64, id);
}

/*  Answer NOT_FOUND inside a transaction: roll it back first. */
static void
reply_not_found (kefu_call_t *call, int64_t id, int64_t version)
{
    kefu_db_rollback (kefu_call_db (call));
    if (version)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", "version",
                        "standard reply %" PRId64 " has no version %" PRId64, id, version);
    else
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "standard reply %" PRId64 " not found", id);
}

static bool
content_valid (kefu_call_t *call, const char *category, const char *title, const char *body)
{
    return kefu_call_check_text (call, "category", category, KEFU_TEXT_LINE, CATEGORY_MAX, true)
        && kefu_call_check_text (call, "title", title, KEFU_TEXT_LINE, TITLE_MAX, true)
        && kefu_call_check_text (call, "body", body, KEFU_TEXT_MULTILINE, BODY_MAX, true);
}

static bool
version_valid (kefu_call_t *call, int64_t version)
{
    if (version >= 0 && version <= INT32_MAX)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "version",
                    "version must be a version number, or 0 for the latest");
    return false;
}

/*  Append the event `type` about `reply` (and, for an approval, the version
 *  it `retired`, or NULL) and its audit record. */
static int
reply_changed (kefu_call_t *call, const char *type, Kefu__V1__StandardReply *reply,
               Kefu__V1__StandardReply *retired, const char *reason)
{
    char resource[RESOURCE_MAX];
    reply_resource (reply->id, resource, sizeof resource);
    Kefu__V1__StandardReplyChanged event = KEFU__V1__STANDARD_REPLY_CHANGED__INIT;
    event.reply = reply;
    event.retired = retired;
    if (kefu_outbox_append_message (kefu_call_db (call), type, resource, &event.base) != 0)
        return -1;
    return kefu_audit_record (call, type, resource, reason && *reason ? reason : NULL, 1);
}

/* --- replies.create ------------------------------------------------------- */

/*  Answer a repeated create with the reply's first version. */
static void
create_replay (kefu_call_t *call, int64_t reply_id)
{
    kefu_db_t *db = kefu_call_db (call);
    tickets_replies_rows_t rows = { 0 };
    char resource[RESOURCE_MAX];
    reply_resource (reply_id, resource, sizeof resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = tickets_replies_store_get (db, reply_id, 1, &rows);
    if (found < 0 || kefu_audit_record (call, "reply.create_replayed", resource, NULL, 1) != 0
    ||  kefu_db_commit (db) != 0)
        goto failed;
    if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "standard reply %" PRId64 " not found", reply_id);
    else
        kefu_call_reply (call, &rows.replies[0].base);
    tickets_replies_rows_release (&rows);
    return;
failed:
    tickets_replies_rows_release (&rows);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

/*  The Idempotency-Key of this create is taken: by what? Answers the call. */
static void
create_key_taken (kefu_call_t *call, const char *stored_hash, const char *hash, const char *key)
{
    const char *actor = kefu_call_request (call)->actor->staff_id;
    int64_t reply_id = 0, other_id = 0;
    kefu_db_t *db = kefu_call_db (call);
    if (tickets_replies_store_idempotency_read (db, actor, key, &reply_id, &other_id) != 0) {
        kefu_db_rollback (db);
        kefu_call_fail_db (call);
        return;
    }
    kefu_db_rollback (db);
    /*  The hash is of the payload alone: a ticket's create could pack to
     *  the same bytes as a reply's, so the key must have made a reply. */
    if (strcmp (stored_hash, hash) != 0 || !reply_id)
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "idempotency-key-reused",
                        "Idempotency-Key", "this Idempotency-Key was used with a different request");
    else
        create_replay (call, reply_id);
}

void
tickets_replies_create (kefu_call_t *call)
{
    const Kefu__V1__Request *envelope = kefu_call_request (call);
    const Kefu__V1__CreateStandardReplyRequest *request =
        (const Kefu__V1__CreateStandardReplyRequest *) kefu_call_payload (call);
    if (!content_valid (call, request->category, request->title, request->body)
    ||  !kefu_idempotency_key_check (call))
        return;
    const char *key = envelope->idempotency_key;
    const char *actor = envelope->actor->staff_id;
    char hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE] = "";
    if (*key)
        kefu_idempotency_request_hash (call, hash);
    int64_t now_ms = kefu_time_now_ms ();

    kefu_db_t *db = kefu_call_db (call);
    tickets_replies_rows_t created = { 0 };
    for (int attempt = 0; attempt < KEFU_IDEMPOTENCY_ATTEMPTS; attempt++) {
        if (kefu_db_begin (db) != 0)
            goto failed;
        if (*key) {
            bool claimed;
            char stored_hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE];
            int64_t ticket_id;
            if (tickets_store_idempotency_claim (db, actor, key, hash, &claimed, stored_hash,
                                                 sizeof stored_hash, &ticket_id) != 0)
                goto failed;
            if (!claimed) {
                if (!*stored_hash) {
                    kefu_db_rollback (db);
                    continue;       /* the holder rolled back: try again */
                }
                create_key_taken (call, stored_hash, hash, key);
                return;
            }
        }
        int64_t reply_id;
        if (tickets_replies_store_insert (db, actor, now_ms, &reply_id) != 0
        ||  tickets_replies_store_insert_version (db, reply_id, 1, request->category, request->title,
                                                  request->body, actor, now_ms) != 0
        ||  (*key && tickets_replies_store_idempotency_bind (db, actor, key, reply_id) != 0)
        ||  tickets_replies_store_get (db, reply_id, 1, &created) != 0
        ||  reply_changed (call, "reply.created", &created.replies[0], NULL, NULL) != 0
        ||  kefu_db_commit (db) != 0)
            goto failed;
        kefu_call_reply (call, &created.replies[0].base);
        tickets_replies_rows_release (&created);
        return;
    }
    kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "idempotency-key-busy", "Idempotency-Key",
                    "another request with this Idempotency-Key is in progress; retry");
    return;
failed:
    tickets_replies_rows_release (&created);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

/* --- replies.get, replies.versions ---------------------------------------- */

void
tickets_replies_get (kefu_call_t *call)
{
    const Kefu__V1__GetStandardReplyRequest *request =
        (const Kefu__V1__GetStandardReplyRequest *) kefu_call_payload (call);
    if (!version_valid (call, request->version))
        return;
    kefu_db_t *db = kefu_call_db (call);
    tickets_replies_rows_t rows = { 0 };
    int found = tickets_replies_store_get (db, request->id, request->version, &rows);
    if (found < 0) {
        tickets_replies_rows_release (&rows);
        kefu_call_fail_db (call);
        return;
    }
    if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", request->version ? "version" : NULL,
                        "standard reply %" PRId64 " (version %" PRId64 ") not found", request->id,
                        request->version);
    else
        kefu_call_reply (call, &rows.replies[0].base);
    tickets_replies_rows_release (&rows);
}

void
tickets_replies_versions (kefu_call_t *call)
{
    const Kefu__V1__GetStandardReplyRequest *request =
        (const Kefu__V1__GetStandardReplyRequest *) kefu_call_payload (call);
    kefu_db_t *db = kefu_call_db (call);
    tickets_replies_rows_t rows = { 0 };
    int found = tickets_replies_store_versions (db, request->id, &rows);
    if (found < 0) {
        tickets_replies_rows_release (&rows);
        kefu_call_fail_db (call);
        return;
    }
    if (found == 1) {
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "standard reply %" PRId64 " not found", request->id);
    } else {
        Kefu__V1__StandardReplyVersions reply = KEFU__V1__STANDARD_REPLY_VERSIONS__INIT;
        reply.n_items = rows.count;
        reply.items = rows.reply_pointers;
        kefu_call_reply (call, &reply.base);
    }
    tickets_replies_rows_release (&rows);
}

/* --- changes of an existing reply ----------------------------------------- */

/*  Lock reply `id` and check the caller's If-Match. Returns 0 with the
 *  reply's latest version in *latest, or 1 after answering the call (and
 *  rolling back), or -1 on a database failure. */
static int
reply_lock (kefu_call_t *call, int64_t id, int64_t expected_revision, int64_t *latest)
{
    kefu_db_t *db = kefu_call_db (call);
    int64_t revision;
    int found = tickets_replies_store_lock (db, id, latest, &revision);
    if (found < 0)
        return -1;
    if (found == 1) {
        reply_not_found (call, id, 0);
        return 1;
    }
    if (expected_revision && expected_revision != revision) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                        "the standard reply is at revision %" PRId64 ", not %" PRId64, revision,
                        expected_revision);
        return 1;
    }
    return 0;
}

void
tickets_replies_update (kefu_call_t *call)
{
    const Kefu__V1__UpdateStandardReplyRequest *request =
        (const Kefu__V1__UpdateStandardReplyRequest *) kefu_call_payload (call);
    if (!content_valid (call, request->category, request->title, request->body))
        return;
    const char *actor = kefu_call_request (call)->actor->staff_id;
    int64_t now_ms = kefu_time_now_ms ();
    kefu_db_t *db = kefu_call_db (call);
    tickets_replies_rows_t revised = { 0 };
    int64_t latest;
    if (kefu_db_begin (db) != 0)
        goto failed;
    int locked = reply_lock (call, request->id, request->expected_revision, &latest);
    if (locked < 0)
        goto failed;
    if (locked > 0)
        return;
    if (tickets_replies_store_insert_version (db, request->id, latest + 1, request->category,
                                              request->title, request->body, actor, now_ms) != 0
    ||  tickets_replies_store_touch (db, request->id, latest + 1) != 0
    ||  tickets_replies_store_get (db, request->id, latest + 1, &revised) != 0
    ||  reply_changed (call, "reply.revised", &revised.replies[0], NULL, NULL) != 0
    ||  kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &revised.replies[0].base);
    tickets_replies_rows_release (&revised);
    return;
failed:
    tickets_replies_rows_release (&revised);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

/*  Checks shared by approve and retire, before any database work. */
static bool
review_request_valid (kefu_call_t *call, const Kefu__V1__ReviewStandardReplyRequest *request,
                      const char *verb)
{
    if (!version_valid (call, request->version)
    ||  !kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX, false))
        return false;
    if (!(kefu_call_roles (call) & REPLY_REVIEWERS)) {
        kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "role-not-allowed", NULL,
                        "only a supervisor or a manager may %s a standard reply", verb);
        return false;
    }
    return true;
}

void
tickets_replies_approve (kefu_call_t *call)
{
    const Kefu__V1__ReviewStandardReplyRequest *request =
        (const Kefu__V1__ReviewStandardReplyRequest *) kefu_call_payload (call);
    if (!review_request_valid (call, request, "approve"))
        return;
    const char *actor = kefu_call_request (call)->actor->staff_id;
    int64_t now_ms = kefu_time_now_ms ();
    kefu_db_t *db = kefu_call_db (call);
    tickets_replies_rows_t target = { 0 }, approved = { 0 }, retired = { 0 };
    int64_t latest, previous;
    if (kefu_db_begin (db) != 0)
        goto failed;
    int locked = reply_lock (call, request->id, request->expected_revision, &latest);
    if (locked < 0)
        goto failed;
    if (locked > 0)
        return;
    int64_t version = request->version ? request->version : latest;
    int found = tickets_replies_store_get (db, request->id, version, &target);
    if (found < 0)
        goto failed;
    if (found == 1) {
        tickets_replies_rows_release (&target);
        reply_not_found (call, request->id, version);
        return;
    }
    const Kefu__V1__StandardReply *candidate = &target.replies[0];
    if (strcmp (candidate->state, "draft") != 0 || version != latest) {
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "illegal-state", "version",
                        "only the latest version in draft can be approved; version %" PRId64
                        " is %s and the latest is %" PRId64, version, candidate->state, latest);
        goto refused;
    }
    if (strcmp (candidate->author_staff_id, actor) == 0) {
        kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "approver-is-author", "version",
                        "a standard reply must be approved by someone other than its author");
        goto refused;
    }
    /*  One approved version at a time: the one approved before retires. */
    if (tickets_replies_store_approved_version (db, request->id, &previous) != 0
    ||  (previous && tickets_replies_store_retire (db, request->id, previous, actor, now_ms) != 0)
    ||  tickets_replies_store_approve (db, request->id, version, actor, now_ms) != 0
    ||  tickets_replies_store_touch (db, request->id, latest) != 0
    ||  tickets_replies_store_get (db, request->id, version, &approved) != 0
    ||  (previous && tickets_replies_store_get (db, request->id, previous, &retired) != 0)
    ||  reply_changed (call, "reply.approved", &approved.replies[0], previous ? &retired.replies[0] : NULL,
                       request->reason) != 0
    ||  kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &approved.replies[0].base);
    tickets_replies_rows_release (&target);
    tickets_replies_rows_release (&approved);
    tickets_replies_rows_release (&retired);
    return;
refused:
    kefu_db_rollback (db);
    tickets_replies_rows_release (&target);
    return;
failed:
    tickets_replies_rows_release (&target);
    tickets_replies_rows_release (&approved);
    tickets_replies_rows_release (&retired);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

void
tickets_replies_retire (kefu_call_t *call)
{
    const Kefu__V1__ReviewStandardReplyRequest *request =
        (const Kefu__V1__ReviewStandardReplyRequest *) kefu_call_payload (call);
    if (!review_request_valid (call, request, "retire"))
        return;
    const char *actor = kefu_call_request (call)->actor->staff_id;
    int64_t now_ms = kefu_time_now_ms ();
    kefu_db_t *db = kefu_call_db (call);
    tickets_replies_rows_t target = { 0 }, retired = { 0 };
    int64_t latest;
    if (kefu_db_begin (db) != 0)
        goto failed;
    int locked = reply_lock (call, request->id, request->expected_revision, &latest);
    if (locked < 0)
        goto failed;
    if (locked > 0)
        return;
    int64_t version = request->version;
    if (!version && tickets_replies_store_approved_version (db, request->id, &version) != 0)
        goto failed;
    if (!version) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "illegal-state", "version",
                        "standard reply %" PRId64 " has no approved version to retire", request->id);
        return;
    }
    int found = tickets_replies_store_get (db, request->id, version, &target);
    if (found < 0)
        goto failed;
    if (found == 1) {
        tickets_replies_rows_release (&target);
        reply_not_found (call, request->id, version);
        return;
    }
    if (strcmp (target.replies[0].state, STATE_APPROVED) != 0) {
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "illegal-state", "version",
                        "only an approved version can be retired; version %" PRId64 " is %s", version,
                        target.replies[0].state);
        kefu_db_rollback (db);
        tickets_replies_rows_release (&target);
        return;
    }
    if (tickets_replies_store_retire (db, request->id, version, actor, now_ms) != 0
    ||  tickets_replies_store_touch (db, request->id, latest) != 0
    ||  tickets_replies_store_get (db, request->id, version, &retired) != 0
    ||  reply_changed (call, "reply.retired", &retired.replies[0], NULL, request->reason) != 0
    ||  kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &retired.replies[0].base);
    tickets_replies_rows_release (&target);
    tickets_replies_rows_release (&retired);
    return;
failed:
    tickets_replies_rows_release (&target);
    tickets_replies_rows_release (&retired);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

/* --- replies.list --------------------------------------------------------- */

void
tickets_replies_list (kefu_call_t *call)
{
    const Kefu__V1__ListStandardRepliesRequest *request =
        (const Kefu__V1__ListStandardRepliesRequest *) kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : LIST_DEFAULT;
    if (!kefu_call_check_page (call, limit, request->after, LIST_MAX))
        return;
    /*  Agents are given approved answers unless they ask for others. */
    const char *state = *request->state ? request->state : STATE_APPROVED;
    tickets_search_text_t text;
    if (!tickets_choice_ok (call, "state", state, list_states)
    ||  !kefu_call_check_text (call, "category", request->category, KEFU_TEXT_LINE, CATEGORY_MAX, false)
    ||  !tickets_search_text_prepare (call, "q", request->q, &text))
        return;
    if (strcmp (state, LIST_STATE_ANY) == 0)
        state = "";

    kefu_db_t *db = kefu_call_db (call);
    tickets_replies_rows_t rows = { 0 };
    /*  One row more than asked tells whether there is a next page; the
     *  transaction scopes the plan setting of the search. */
    if (kefu_db_begin (db) != 0
    ||  tickets_replies_store_list (db, request->after, request->category, state, &text, limit + 1,
                                    &rows) != 0
    ||  kefu_db_commit (db) != 0) {
        tickets_replies_rows_release (&rows);
        kefu_db_rollback (db);
        kefu_call_fail_db (call);
        return;
    }
    size_t shown = rows.count > limit ? limit : rows.count;
    Kefu__V1__ListStandardRepliesReply reply = KEFU__V1__LIST_STANDARD_REPLIES_REPLY__INIT;
    reply.n_items = shown;
    reply.items = rows.reply_pointers;
    reply.next = rows.count > limit ? rows.row_ids[shown - 1] : 0;
    kefu_call_reply (call, &reply.base);
    tickets_replies_rows_release (&rows);
}

/* --- citations ------------------------------------------------------------ */

int
tickets_replies_citable (kefu_db_t *db, int64_t reply_id, int64_t version, bool *citable)
{
    *citable = false;
    if (reply_id <= 0 || version <= 0 || version > INT32_MAX)
        return 0;
    if (tickets_replies_store_citable (db, reply_id, version, citable) != 0) {
        *citable = false;
        return -1;
    }
    return 0;
}
