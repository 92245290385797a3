/*  tickets_parts: what hangs off a ticket besides its status, and the
 *  changes that are not a plain step of the workflow.
 *
 *  Hand-offs of the current assignee (TKT-5: the first-contact owner of
 *  record never changes), watchers, comments (internal or public) and
 *  attachment metadata, re-dispatch of a work order to another department
 *  (TKT-6), merging a duplicate into its primary ticket, and the
 *  accountability query of TKT-8. Every change goes through tickets_apply:
 *  locked, If-Match checked, version bumped, its event and the owner's
 *  notification written, audited, in one transaction.
 */
#include "tickets_parts.h"
#include "tickets_apply.h"
#include "tickets_replies.h"
#include "tickets_sla.h"
#include "tickets_workflow.h"

#include "kefu_audit.h"
#include "kefu_time.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*  Who changes tickets, and who may read every comment. The integration
 *  role (a CRM, customer-facing) reads public comments only. */
#define TICKET_WRITERS (KEFU_ROLE_AGENT | KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
#define TICKET_READERS (TICKET_WRITERS | KEFU_ROLE_AUDITOR | KEFU_ROLE_INTEGRATION)
#define INTERNAL_READERS (TICKET_WRITERS | KEFU_ROLE_AUDITOR)

enum {
    COMMENT_BODY_MAX = 10000,
    FILE_NAME_MAX = 255,
    MEDIA_TYPE_MAX = 127,
    STORAGE_URI_MAX = 2048,
    SHA256_HEX_LENGTH = 64,
    /*  The largest attachment the metadata may describe: 100 MiB, what the
     *  object store of the integrators accepts per file. */
    ATTACHMENT_SIZE_MAX = 100 * 1024 * 1024,
};

/*  A public comment is shown to the customer; an internal one to staff only. */
#define COMMENT_PUBLIC "public"
static const char *const comment_visibilities[] = { "internal", COMMENT_PUBLIC, NULL };

/*  Storage URI schemes accepted: where the CRM's object store lives. No
 *  file:, no plain http: (the bytes travel outside kefu, encrypted). */
static const char *const storage_schemes[] = { "https://", "s3://", NULL };

/*  A status in which a ticket takes no more hand-offs or dispatches. */
static bool
status_closed (const char *status)
{
    return strcmp (status, "reviewed") == 0 || strcmp (status, "rejected") == 0
        || strcmp (status, TICKETS_STATUS_MERGED) == 0;
}

static bool
id_ok (kefu_call_t *call, const char *field, int64_t id)
{
    if (id > 0)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field, "%s must be a positive id", field);
    return false;
}

/*  Roll back a refused change (the call is answered) and free `rows`. */
static void
refuse (kefu_call_t *call, tickets_rows_t *rows)
{
    kefu_db_rollback (kefu_call_db (call));
    tickets_rows_release (rows);
}

/*  Bump the version of the locked `ticket` (and set what `changes` says),
 *  into `updated`. 0 or -1. */
static int
touch (kefu_call_t *call, const Kefu__V1__Ticket *ticket, const tickets_changes_t *changes, tickets_rows_t *updated)
{
    tickets_changes_t none = { 0 };
    return tickets_store_update (kefu_call_db (call), ticket->id, NULL, changes ? changes : &none,
                                 kefu_time_now_ms (), updated) == 0
         ? 0 : -1;
}

/* --- hand-offs (TKT-5) ----------------------------------------------------- */

void
tickets_handoff (kefu_call_t *call)
{
    const Kefu__V1__HandOffTicketRequest *request = (const Kefu__V1__HandOffTicketRequest *) kefu_call_payload (call);
    if (!tickets_roles_ok (call, TICKET_WRITERS)
    ||  !kefu_call_check_text (call, "to_staff_id", request->to_staff_id, KEFU_TEXT_LINE, TICKETS_STAFF_ID_MAX, true)
    ||  !kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, TICKETS_REASON_MAX, true))
        return;
    const char *actor = kefu_call_request (call)->actor->staff_id;
    tickets_rows_t current, updated = { 0 }, handoff = { 0 };
    if (!tickets_apply_lock (call, request->id, request->expected_version, true, &current))
        return;
    const Kefu__V1__Ticket *ticket = &current.tickets[0];
    if (status_closed (ticket->status)) {
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "ticket-closed", NULL,
                        "ticket %" PRId64 " is %s: nothing to hand off", ticket->id, ticket->status);
        refuse (call, &current);
        return;
    }
    if (strcmp (ticket->assignee_staff_id, request->to_staff_id) == 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "same-assignee", "to_staff_id",
                        "%s is already the assignee", request->to_staff_id);
        refuse (call, &current);
        return;
    }
    tickets_changes_t changes = { .assignee_staff_id = request->to_staff_id };
    if (tickets_store_handoff_add (kefu_call_db (call), ticket->id, ticket->assignee_staff_id, request->to_staff_id,
                                   actor, request->reason, kefu_time_now_ms (), &handoff) != 0
    ||  touch (call, ticket, &changes, &updated) != 0)
        goto failed;
    tickets_change_detail_t detail = {
        .reason = request->reason, .handoff = TICKETS_ROW (&handoff, Kefu__V1__TicketHandoff, 0)
    };
    if (tickets_apply_event (call, "ticket.handed_off", &updated.tickets[0], &detail) != 0)
        goto failed;
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", ticket->id, resource, sizeof resource);
    tickets_apply_finish (call, "ticket.handed_off", resource, request->reason, &updated.tickets[0].base);
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&handoff);
    return;
failed:
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&handoff);
    tickets_apply_fail_db (call);
}

/*  The read methods of a ticket's parts: check the caller, read the
 *  ticket (404 when missing), list, audit, answer. `list` fills `rows`
 *  and the reply (which borrows from rows). */
typedef union {
    Kefu__V1__TicketHandoffs handoffs;
    Kefu__V1__TicketWatchers watchers;
    Kefu__V1__TicketAttachments attachments;
    Kefu__V1__TicketDispatches dispatches;
} parts_page_t;

typedef int (parts_list_fn) (kefu_call_t *call, const Kefu__V1__Ticket *ticket, tickets_rows_t *rows,
                             parts_page_t *page, ProtobufCMessage **reply);

static void
parts_read (kefu_call_t *call, int64_t id, const char *action, parts_list_fn *list)
{
    if (!tickets_roles_ok (call, TICKET_READERS))
        return;
    tickets_rows_t current, rows = { 0 };
    if (!tickets_apply_read (call, id, &current))
        return;
    ProtobufCMessage *reply = NULL;
    parts_page_t page;
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", id, resource, sizeof resource);
    if (list (call, &current.tickets[0], &rows, &page, &reply) != 0) {
        tickets_rows_release (&current);
        tickets_rows_release (&rows);
        tickets_apply_fail_db (call);
        return;
    }
    tickets_apply_finish (call, action, resource, NULL, reply);
    tickets_rows_release (&current);
    tickets_rows_release (&rows);
}

/*  Each list function fills its member of `storage`, which the caller
 *  keeps until the reply is sent. */
static int
list_handoffs (kefu_call_t *call, const Kefu__V1__Ticket *ticket, tickets_rows_t *rows, parts_page_t *storage,
            ProtobufCMessage **reply)
{
    Kefu__V1__TicketHandoffs *page = &storage->handoffs;
    kefu__v1__ticket_handoffs__init (page);
    if (tickets_store_handoffs (kefu_call_db (call), ticket->id, rows) != 0)
        return -1;
    page->n_items = rows->count;
    page->items = (Kefu__V1__TicketHandoff **) rows->message_pointers;
    page->ticket_version = ticket->version;
    *reply = &page->base;
    return 0;
}

void
tickets_handoffs (kefu_call_t *call)
{
    const Kefu__V1__GetTicketRequest *request = (const Kefu__V1__GetTicketRequest *) kefu_call_payload (call);
    parts_read (call, request->id, "ticket.handoffs_viewed", list_handoffs);
}

/* --- watchers -------------------------------------------------------------- */

static int
list_watchers (kefu_call_t *call, const Kefu__V1__Ticket *ticket, tickets_rows_t *rows, parts_page_t *storage,
            ProtobufCMessage **reply)
{
    Kefu__V1__TicketWatchers *page = &storage->watchers;
    kefu__v1__ticket_watchers__init (page);
    if (tickets_store_watchers (kefu_call_db (call), ticket->id, rows) != 0)
        return -1;
    page->n_items = rows->count;
    page->items = (Kefu__V1__TicketWatcher **) rows->message_pointers;
    page->ticket_version = ticket->version;
    *reply = &page->base;
    return 0;
}

void
tickets_watchers (kefu_call_t *call)
{
    const Kefu__V1__GetTicketRequest *request = (const Kefu__V1__GetTicketRequest *) kefu_call_payload (call);
    parts_read (call, request->id, "ticket.watchers_viewed", list_watchers);
}

/*  Add or remove a watcher; answers the watchers after the change. */
static void
watcher_change (kefu_call_t *call, bool add)
{
    const Kefu__V1__TicketWatcherRequest *request = (const Kefu__V1__TicketWatcherRequest *) kefu_call_payload (call);
    if (!tickets_roles_ok (call, TICKET_WRITERS)
    ||  !kefu_call_check_text (call, "staff_id", request->staff_id, KEFU_TEXT_LINE, TICKETS_STAFF_ID_MAX, true))
        return;
    const char *actor = kefu_call_request (call)->actor->staff_id;
    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t current, updated = { 0 }, watcher = { 0 }, list = { 0 };
    if (!tickets_apply_lock (call, request->id, request->expected_version, true, &current))
        return;
    const Kefu__V1__Ticket *ticket = &current.tickets[0];
    int changed = add ? tickets_store_watcher_add (db, ticket->id, request->staff_id, actor, kefu_time_now_ms (), &watcher)
                      : tickets_store_watcher_remove (db, ticket->id, request->staff_id, &watcher);
    if (changed < 0)
        goto failed;
    if (changed == 1) {
        if (add)
            kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "already-watching", "staff_id",
                            "%s already watches ticket %" PRId64, request->staff_id, ticket->id);
        else
            kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", "staff_id",
                            "%s does not watch ticket %" PRId64, request->staff_id, ticket->id);
        tickets_rows_release (&watcher);
        refuse (call, &current);
        return;
    }
    if (touch (call, ticket, NULL, &updated) != 0)
        goto failed;
    tickets_change_detail_t detail = { .watcher = TICKETS_ROW (&watcher, Kefu__V1__TicketWatcher, 0) };
    const char *type = add ? "ticket.watcher_added" : "ticket.watcher_removed";
    ProtobufCMessage *reply;
    parts_page_t page;
    if (tickets_apply_event (call, type, &updated.tickets[0], &detail) != 0
    ||  list_watchers (call, &updated.tickets[0], &list, &page, &reply) != 0)
        goto failed;
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", ticket->id, resource, sizeof resource);
    tickets_apply_finish (call, type, resource, NULL, reply);
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&watcher);
    tickets_rows_release (&list);
    return;
failed:
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&watcher);
    tickets_rows_release (&list);
    tickets_apply_fail_db (call);
}

void
tickets_watcher_add (kefu_call_t *call)
{
    watcher_change (call, true);
}

void
tickets_watcher_remove (kefu_call_t *call)
{
    watcher_change (call, false);
}

/* --- comments -------------------------------------------------------------- */

/*  A comment or an attachment is created once per Idempotency-Key: after
 *  the ticket is locked, claim the key; a retry of a request that succeeded
 *  is answered with what it created, before If-Match (the version it
 *  named has moved on since, by that very request). False when answered
 *  (rolled back, `current` released); else *replay_id is what the key
 *  created, or 0 to go on and create. */
static bool
created_once (kefu_call_t *call, tickets_rows_t *current, int64_t expected_version, int64_t *replay_id)
{
    switch (tickets_apply_key_claim (call, replay_id)) {
        case TICKETS_KEY_REPLAY:
            return true;
        case TICKETS_KEY_PROCEED:
            if (tickets_apply_version_ok (call, &current->tickets[0], expected_version))
                return true;
            break;
        case TICKETS_KEY_ANSWERED:
            break;
    }
    refuse (call, current);
    return false;
}

/*  Answer a repeated creation with the part the key created first (a
 *  Kefu__V1__TicketComment or Kefu__V1__TicketAttachment: both carry
 *  ticket_version), audited as a replay. Releases `current`. */
typedef int (part_get_fn) (kefu_db_t *db, int64_t ticket_id, int64_t id, tickets_rows_t *rows);

static void
part_replay (kefu_call_t *call, tickets_rows_t *current, int64_t id, part_get_fn *get)
{
    const Kefu__V1__Ticket *ticket = &current->tickets[0];
    tickets_rows_t part = { 0 };
    int found = get (kefu_call_db (call), ticket->id, id, &part);
    if (found != 0) {
        /*  The key was bound in the transaction that created the part, and
         *  parts are never deleted: a missing one is the database's fault. */
        tickets_rows_release (&part);
        tickets_rows_release (current);
        tickets_apply_fail_db (call);
        return;
    }
    ProtobufCMessage *reply = part.message_pointers[0];
    if (get == tickets_store_comment_get)
        ((Kefu__V1__TicketComment *) reply)->ticket_version = ticket->version;
    else
        ((Kefu__V1__TicketAttachment *) reply)->ticket_version = ticket->version;
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", ticket->id, resource, sizeof resource);
    tickets_apply_finish (call, "ticket.create_replayed", resource, NULL, reply);
    tickets_rows_release (&part);
    tickets_rows_release (current);
}

/*  A citation of a standard reply (TKT-10) names both the reply and its
 *  version, and only a public comment (a reply to the customer) makes one:
 *  standard replies are the answers customers are given. Whether the
 *  version is approved is checked in the comment's transaction. */
static bool
citation_ok (kefu_call_t *call, const Kefu__V1__AddCommentRequest *request)
{
    if (request->reply_id < 0 || request->reply_version < 0 || request->reply_version > INT32_MAX
    ||  (request->reply_id == 0) != (request->reply_version == 0)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                        request->reply_id <= 0 ? "reply_id" : "reply_version",
                        "a citation names a standard reply (reply_id) and its version (reply_version), "
                        "both positive");
        return false;
    }
    if (request->reply_id && strcmp (request->visibility, COMMENT_PUBLIC) != 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "citation-not-public", "reply_id",
                        "only a public comment may cite a standard reply");
        return false;
    }
    return true;
}

void
tickets_comment_add (kefu_call_t *call)
{
    const Kefu__V1__AddCommentRequest *request = (const Kefu__V1__AddCommentRequest *) kefu_call_payload (call);
    if (!tickets_roles_ok (call, TICKET_WRITERS)
    ||  !kefu_call_check_text (call, "body", request->body, KEFU_TEXT_MULTILINE, COMMENT_BODY_MAX, true)
    ||  !tickets_choice_ok (call, "visibility", request->visibility, comment_visibilities)
    ||  !citation_ok (call, request))
        return;
    const char *actor = kefu_call_request (call)->actor->staff_id;
    tickets_rows_t current, updated = { 0 }, comment = { 0 };
    if (!tickets_apply_lock (call, request->id, 0, true, &current))
        return;
    const Kefu__V1__Ticket *ticket = &current.tickets[0];
    int64_t replay_id;
    if (!created_once (call, &current, request->expected_version, &replay_id))
        return;
    if (replay_id) {
        part_replay (call, &current, replay_id, tickets_store_comment_get);
        return;
    }
    /*  The cited version is checked, and locked against retirement, in the
     *  transaction that writes the comment. */
    if (request->reply_id) {
        bool citable = false;
        if (tickets_replies_citable (kefu_call_db (call), request->reply_id, request->reply_version, &citable) != 0)
            goto failed;
        if (!citable) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "reply-not-citable", "reply_version",
                            "standard reply %" PRId64 " has no approved version %" PRId64, request->reply_id,
                            request->reply_version);
            refuse (call, &current);
            return;
        }
    }
    /*  A comment the customer sees is a reply to them: the first one
     *  meets the first-response deadline (TKT-7); an internal note does
     *  not. */
    int64_t now_ms = kefu_time_now_ms ();
    bool customer_visible = strcmp (request->visibility, COMMENT_PUBLIC) == 0;
    if (tickets_store_comment_add (kefu_call_db (call), ticket->id, request->body, request->visibility, actor,
                                   request->reply_id, request->reply_version, now_ms, &comment) != 0
    ||  (customer_visible && tickets_sla_first_response (kefu_call_db (call), ticket->id, now_ms) != 0)
    ||  touch (call, ticket, NULL, &updated) != 0
    ||  tickets_apply_key_bind (call, TICKETS_ROW (&comment, Kefu__V1__TicketComment, 0)->id) != 0)
        goto failed;
    Kefu__V1__TicketComment *written = TICKETS_ROW (&comment, Kefu__V1__TicketComment, 0);
    written->ticket_version = updated.tickets[0].version;
    tickets_change_detail_t detail = { .comment = written };
    if (tickets_apply_event (call, "ticket.commented", &updated.tickets[0], &detail) != 0)
        goto failed;
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", ticket->id, resource, sizeof resource);
    tickets_apply_finish (call, "ticket.commented", resource, NULL, &written->base);
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&comment);
    return;
failed:
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&comment);
    tickets_apply_fail_db (call);
}

void
tickets_comments (kefu_call_t *call)
{
    const Kefu__V1__ListCommentsRequest *request = (const Kefu__V1__ListCommentsRequest *) kefu_call_payload (call);
    if (!tickets_roles_ok (call, TICKET_READERS)
    ||  (*request->visibility && !tickets_choice_ok (call, "visibility", request->visibility, comment_visibilities)))
        return;
    /*  Internal comments are for staff: the integration role (the CRM, which
     *  shows what it reads to customers) gets the public ones only. */
    const char *visibility = request->visibility;
    if (!(kefu_call_roles (call) & INTERNAL_READERS)) {
        if (strcmp (visibility, "internal") == 0) {
            kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", "visibility",
                            "internal comments are for staff only");
            return;
        }
        visibility = COMMENT_PUBLIC;
    }
    tickets_rows_t current, rows = { 0 };
    if (!tickets_apply_read (call, request->id, &current))
        return;
    if (tickets_store_comments (kefu_call_db (call), request->id, visibility, &rows) != 0) {
        tickets_rows_release (&current);
        tickets_apply_fail_db (call);
        return;
    }
    Kefu__V1__TicketComments page = KEFU__V1__TICKET_COMMENTS__INIT;
    page.n_items = rows.count;
    page.items = (Kefu__V1__TicketComment **) rows.message_pointers;
    page.ticket_version = current.tickets[0].version;
    for (size_t i = 0; i < rows.count; i++)
        page.items[i]->ticket_version = page.ticket_version;
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", request->id, resource, sizeof resource);
    tickets_apply_finish (call, "ticket.comments_viewed", resource, NULL, &page.base);
    tickets_rows_release (&current);
    tickets_rows_release (&rows);
}

/* --- attachments ----------------------------------------------------------- */

static bool
hex_lower (const char *text, size_t length)
{
    if (strlen (text) != length)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
            return false;
    return true;
}

/*  type/subtype: RFC 6838 restricted names, no parameters. */
static bool
media_type_valid (const char *text)
{
    const char *slash = strchr (text, '/');
    if (!slash || slash == text || slash[1] == '\0' || strchr (slash + 1, '/'))
        return false;
    for (const char *c = text; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
              || strchr ("!#$&-^_.+/", *c)))
            return false;
    return true;
}

static bool
storage_uri_valid (const char *text)
{
    for (const char *const *scheme = storage_schemes; *scheme; scheme++) {
        size_t length = strlen (*scheme);
        if (strncmp (text, *scheme, length) == 0 && text[length] != '\0' && text[length] != '/')
            return !strpbrk (text, " \"<>\\^`{|}");
    }
    return false;
}

static bool
attachment_request_valid (kefu_call_t *call, const Kefu__V1__AddAttachmentRequest *request)
{
    if (!kefu_call_check_text (call, "file_name", request->file_name, KEFU_TEXT_LINE, FILE_NAME_MAX, true)
    ||  !kefu_call_check_text (call, "media_type", request->media_type, KEFU_TEXT_LINE, MEDIA_TYPE_MAX, true)
    ||  !kefu_call_check_text (call, "storage_uri", request->storage_uri, KEFU_TEXT_LINE, STORAGE_URI_MAX, true))
        return false;
    if (strpbrk (request->file_name, "/\\")) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "file_name",
                        "file_name is a name, without / or \\");
        return false;
    }
    if (!media_type_valid (request->media_type)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "media_type",
                        "media_type must be type/subtype, e.g. image/jpeg");
        return false;
    }
    if (request->size_bytes <= 0 || request->size_bytes > ATTACHMENT_SIZE_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "size_bytes",
                        "size_bytes must be from 1 to %d", ATTACHMENT_SIZE_MAX);
        return false;
    }
    if (!hex_lower (request->sha256, SHA256_HEX_LENGTH)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "sha256",
                        "sha256 must be %d lower-case hexadecimal digits", SHA256_HEX_LENGTH);
        return false;
    }
    if (!storage_uri_valid (request->storage_uri)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "storage_uri",
                        "storage_uri must be an https:// or s3:// URI");
        return false;
    }
    return true;
}

void
tickets_attachment_add (kefu_call_t *call)
{
    const Kefu__V1__AddAttachmentRequest *request = (const Kefu__V1__AddAttachmentRequest *) kefu_call_payload (call);
    if (!tickets_roles_ok (call, TICKET_WRITERS) || !attachment_request_valid (call, request))
        return;
    const char *actor = kefu_call_request (call)->actor->staff_id;
    tickets_rows_t current, updated = { 0 }, attachment = { 0 };
    if (!tickets_apply_lock (call, request->id, 0, true, &current))
        return;
    const Kefu__V1__Ticket *ticket = &current.tickets[0];
    int64_t replay_id;
    if (!created_once (call, &current, request->expected_version, &replay_id))
        return;
    if (replay_id) {
        part_replay (call, &current, replay_id, tickets_store_attachment_get);
        return;
    }
    if (tickets_store_attachment_add (kefu_call_db (call), request, actor, kefu_time_now_ms (), &attachment) != 0
    ||  touch (call, ticket, NULL, &updated) != 0
    ||  tickets_apply_key_bind (call, TICKETS_ROW (&attachment, Kefu__V1__TicketAttachment, 0)->id) != 0)
        goto failed;
    Kefu__V1__TicketAttachment *written = TICKETS_ROW (&attachment, Kefu__V1__TicketAttachment, 0);
    written->ticket_version = updated.tickets[0].version;
    tickets_change_detail_t detail = { .attachment = written };
    if (tickets_apply_event (call, "ticket.attachment_added", &updated.tickets[0], &detail) != 0)
        goto failed;
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", ticket->id, resource, sizeof resource);
    tickets_apply_finish (call, "ticket.attachment_added", resource, NULL, &written->base);
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&attachment);
    return;
failed:
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&attachment);
    tickets_apply_fail_db (call);
}

static int
list_attachments (kefu_call_t *call, const Kefu__V1__Ticket *ticket, tickets_rows_t *rows, parts_page_t *storage,
            ProtobufCMessage **reply)
{
    Kefu__V1__TicketAttachments *page = &storage->attachments;
    kefu__v1__ticket_attachments__init (page);
    if (tickets_store_attachments (kefu_call_db (call), ticket->id, rows) != 0)
        return -1;
    page->n_items = rows->count;
    page->items = (Kefu__V1__TicketAttachment **) rows->message_pointers;
    page->ticket_version = ticket->version;
    for (size_t i = 0; i < rows->count; i++)
        page->items[i]->ticket_version = ticket->version;
    *reply = &page->base;
    return 0;
}

void
tickets_attachments (kefu_call_t *call)
{
    const Kefu__V1__GetTicketRequest *request = (const Kefu__V1__GetTicketRequest *) kefu_call_payload (call);
    parts_read (call, request->id, "ticket.attachments_viewed", list_attachments);
}

/* --- dispatch (TKT-6) ------------------------------------------------------ */

static int
list_dispatches (kefu_call_t *call, const Kefu__V1__Ticket *ticket, tickets_rows_t *rows, parts_page_t *storage,
            ProtobufCMessage **reply)
{
    Kefu__V1__TicketDispatches *page = &storage->dispatches;
    kefu__v1__ticket_dispatches__init (page);
    if (tickets_store_dispatches (kefu_call_db (call), ticket->id, rows) != 0)
        return -1;
    page->n_items = rows->count;
    page->items = (Kefu__V1__TicketDispatch **) rows->message_pointers;
    page->ticket_version = ticket->version;
    *reply = &page->base;
    return 0;
}

void
tickets_dispatches (kefu_call_t *call)
{
    const Kefu__V1__GetTicketRequest *request = (const Kefu__V1__GetTicketRequest *) kefu_call_payload (call);
    parts_read (call, request->id, "ticket.dispatches_viewed", list_dispatches);
}

/*  Dispatch a work order by hand: the first time it is the workflow step
 *  received -> dispatched; later it is a re-dispatch to another department
 *  (recorded with who, when and why), its status unchanged. */
void
tickets_dispatch (kefu_call_t *call)
{
    const Kefu__V1__DispatchTicketRequest *request = (const Kefu__V1__DispatchTicketRequest *) kefu_call_payload (call);
    if (!tickets_roles_ok (call, TICKET_WRITERS) || !id_ok (call, "department_id", request->department_id)
    ||  !kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, TICKETS_REASON_MAX, true))
        return;
    const char *actor = kefu_call_request (call)->actor->staff_id;
    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t current, updated = { 0 }, dispatch = { 0 };
    if (!tickets_apply_lock (call, request->id, request->expected_version, true, &current))
        return;
    const Kefu__V1__Ticket *ticket = &current.tickets[0];
    if (strcmp (ticket->kind, "work_order") != 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "not-a-work-order", NULL,
                        "only work orders are dispatched to departments; ticket %" PRId64 " is a %s", ticket->id,
                        ticket->kind);
        refuse (call, &current);
        return;
    }
    bool first = strcmp (ticket->status, "received") == 0;
    if (!first && strcmp (ticket->status, TICKETS_STATUS_DISPATCHED) != 0 && strcmp (ticket->status, "in_progress") != 0) {
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "illegal-transition", NULL,
                        "a work order in status %s is not dispatched again", ticket->status);
        refuse (call, &current);
        return;
    }
    if (!first && ticket->department_id == request->department_id) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "same-department", "department_id",
                        "the work order is already with department %" PRId64, request->department_id);
        refuse (call, &current);
        return;
    }
    int usable = tickets_apply_department_usable (call, request->department_id);
    if (usable < 0)
        goto failed;
    if (usable == 0) {
        refuse (call, &current);
        return;
    }
    const char *type = first ? "ticket.transitioned" : "ticket.redispatched";
    if (first) {
        Kefu__V1__TransitionTicketRequest step = KEFU__V1__TRANSITION_TICKET_REQUEST__INIT;
        step.id = ticket->id;
        step.to = TICKETS_STATUS_DISPATCHED;
        step.reason = request->reason;
        step.department_id = request->department_id;
        const char *field;
        tickets_workflow_verdict_t verdict = tickets_workflow_check (ticket, &step, actor, kefu_call_roles (call), &field);
        if (verdict != TICKETS_WORKFLOW_OK) {
            kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "role-not-allowed", NULL,
                            "your role may not dispatch this work order");
            refuse (call, &current);
            return;
        }
        if (tickets_transition_apply (call, ticket, &step, 0, 0, &updated) != 0)
            goto failed;
    } else {
        tickets_changes_t changes = { .department_id = request->department_id };
        if (tickets_store_dispatch_add (db, ticket->id, ticket->department_id, request->department_id, actor,
                                        request->reason, 0, kefu_time_now_ms (), &dispatch) != 0
        ||  touch (call, ticket, &changes, &updated) != 0)
            goto failed;
        tickets_change_detail_t detail = {
            .reason = request->reason, .dispatch = TICKETS_ROW (&dispatch, Kefu__V1__TicketDispatch, 0)
        };
        if (tickets_apply_event (call, type, &updated.tickets[0], &detail) != 0)
            goto failed;
    }
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", ticket->id, resource, sizeof resource);
    tickets_apply_finish (call, first ? "ticket.dispatched" : "ticket.redispatched", resource, request->reason,
                          &updated.tickets[0].base);
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&dispatch);
    return;
failed:
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&dispatch);
    tickets_apply_fail_db (call);
}

/* --- merge ----------------------------------------------------------------- */

/*  Why `duplicate` may not be merged into `primary`, or NULL. Same kind:
 *  a complaint's findings mean nothing to an inquiry. Same customer: when
 *  both name a customer id they must agree, and when neither does, their
 *  contacts must; one with an id and one without may be the same person
 *  registered twice, which is what merging is for. */
static const char *
merge_mismatch (const Kefu__V1__Ticket *duplicate, const Kefu__V1__Ticket *primary, const char **field)
{
    *field = "into";
    if (strcmp (duplicate->kind, primary->kind) != 0)
        return "merge-kind-mismatch";
    if (*duplicate->customer_id && *primary->customer_id && strcmp (duplicate->customer_id, primary->customer_id) != 0)
        return "merge-customer-mismatch";
    if (!*duplicate->customer_id && !*primary->customer_id && *duplicate->complainant_contact
    &&  *primary->complainant_contact && strcmp (duplicate->complainant_contact, primary->complainant_contact) != 0)
        return "merge-customer-mismatch";
    return NULL;
}

void
tickets_merge (kefu_call_t *call)
{
    const Kefu__V1__MergeTicketRequest *request = (const Kefu__V1__MergeTicketRequest *) kefu_call_payload (call);
    if (!tickets_roles_ok (call, TICKET_WRITERS) || !id_ok (call, "into", request->into)
    ||  !kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, TICKETS_REASON_MAX, true))
        return;
    if (request->into == request->id) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "merge-into-itself", "into",
                        "a ticket cannot be merged into itself");
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    const Kefu__V1__Request *envelope = kefu_call_request (call);
    tickets_rows_t current, primary = { 0 }, primary_after = { 0 }, merged = { 0 }, history = { 0 };
    /*  Two merges of the same pair in opposite directions lock in one order. */
    if (kefu_db_begin (db) != 0 || tickets_store_lock_pair (db, request->id, request->into) != 0) {
        tickets_apply_fail_db (call);
        return;
    }
    if (!tickets_apply_lock_begun (call, request->id, request->expected_version, true, &current))
        return;
    const Kefu__V1__Ticket *duplicate = &current.tickets[0];
    int found = tickets_store_get (db, request->into, true, &primary);
    if (found < 0)
        goto failed;
    const char *field = NULL, *mismatch = NULL;
    if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "unknown-ticket", "into",
                        "there is no ticket %" PRId64 " to merge into", request->into);
    else if (strcmp (primary.tickets[0].status, TICKETS_STATUS_MERGED) == 0)
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "merge-into-merged", "into",
                        "ticket %" PRId64 " was itself merged into ticket %" PRId64 "; merge into that one",
                        request->into, primary.tickets[0].merged_into);
    else if ((mismatch = merge_mismatch (duplicate, &primary.tickets[0], &field)) != NULL)
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, mismatch, field,
                        "ticket %" PRId64 " (%s, customer %s) and ticket %" PRId64 " (%s, customer %s) are not "
                        "about the same matter", duplicate->id, duplicate->kind, duplicate->customer_id,
                        request->into, primary.tickets[0].kind, primary.tickets[0].customer_id);
    if (found == 1 || mismatch || strcmp (primary.tickets[0].status, TICKETS_STATUS_MERGED) == 0) {
        tickets_rows_release (&primary);
        refuse (call, &current);
        return;
    }
    const Kefu__V1__Ticket *into = &primary.tickets[0];
    /*  The primary receives copies of everything first, then a history row
     *  of its own saying so; the duplicate keeps its rows and moves to
     *  merged through the one status path. */
    /*  Room for the longest reason in UTF-8 (4 bytes a character), so
     *  the text is never cut inside a character. */
    char roles_text[TICKETS_MESSAGE_MAX], reason[4 * TICKETS_REASON_MAX + TICKETS_MESSAGE_MAX];
    tickets_actor_roles_text (envelope->actor, roles_text, sizeof roles_text);
    snprintf (reason, sizeof reason, "ticket %" PRId64 " merged into this one: %s", duplicate->id, request->reason);
    if (tickets_store_merge_parts (db, duplicate->id, into->id) != 0
    ||  touch (call, into, NULL, &primary_after) != 0
    ||  tickets_store_record_transition (db, into->id, into->status, into->status, envelope->actor->staff_id,
                                         roles_text, reason, primary_after.tickets[0].version, kefu_time_now_ms (), &history) != 0)
        goto failed;
    tickets_change_detail_t detail = { .reason = request->reason, .merged_ticket_id = duplicate->id };
    if (tickets_apply_event (call, "ticket.merge_received", &primary_after.tickets[0], &detail) != 0)
        goto failed;
    Kefu__V1__TransitionTicketRequest step = KEFU__V1__TRANSITION_TICKET_REQUEST__INIT;
    step.id = duplicate->id;
    step.to = TICKETS_STATUS_MERGED;
    step.reason = request->reason;
    if (tickets_transition_apply (call, duplicate, &step, 0, into->id, &merged) != 0)
        goto failed;
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", duplicate->id, resource, sizeof resource);
    tickets_apply_finish (call, "ticket.merged", resource, request->reason, &merged.tickets[0].base);
    tickets_rows_release (&current);
    tickets_rows_release (&primary);
    tickets_rows_release (&primary_after);
    tickets_rows_release (&merged);
    tickets_rows_release (&history);
    return;
failed:
    tickets_rows_release (&current);
    tickets_rows_release (&primary);
    tickets_rows_release (&primary_after);
    tickets_rows_release (&merged);
    tickets_rows_release (&history);
    tickets_apply_fail_db (call);
}

/* --- accountability (TKT-8) ------------------------------------------------ */

void
tickets_accountability (kefu_call_t *call)
{
    const Kefu__V1__ListAccountabilityRequest *request =
        (const Kefu__V1__ListAccountabilityRequest *) kefu_call_payload (call);
    uint32_t limit;
    if (!tickets_roles_ok (call, TICKET_READERS) || !tickets_page_ok (call, request->limit, request->after, &limit)
    ||  !kefu_call_check_text (call, "responsible_department", request->responsible_department, KEFU_TEXT_LINE,
                           TICKETS_DEPARTMENT_MAX, false)
    ||  !kefu_call_check_text (call, "responsible_person", request->responsible_person, KEFU_TEXT_LINE, TICKETS_NAME_MAX, false)
    ||  !kefu_call_check_text (call, "responsible_party", request->responsible_party, KEFU_TEXT_LINE, TICKETS_NAME_MAX, false))
        return;
    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t rows = { 0 };
    /*  One row more than asked tells whether there is a next page. */
    if (kefu_db_begin (db) != 0 || tickets_store_accountability (db, request, limit + 1, &rows) != 0) {
        tickets_rows_release (&rows);
        tickets_apply_fail_db (call);
        return;
    }
    size_t shown = rows.count > limit ? limit : rows.count;
    Kefu__V1__ListTicketsReply reply = KEFU__V1__LIST_TICKETS_REPLY__INIT;
    reply.n_items = shown;
    reply.items = rows.ticket_pointers;
    reply.next = rows.count > limit ? rows.tickets[shown - 1].id : 0;
    if (kefu_audit_record (call, "ticket.accountability_listed", "tickets", NULL, (uint32_t) shown) != 0
    ||  kefu_db_commit (db) != 0) {
        tickets_rows_release (&rows);
        tickets_apply_fail_db (call);
        return;
    }
    kefu_call_reply (call, &reply.base);
    tickets_rows_release (&rows);
}
