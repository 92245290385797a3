/*  webhooks_handlers: create, get, list, delete, pause, resume, the
 *  delivery log and redelivery. See webhooks_handlers.h; the URL rules are
 *  in webhooks_url.c, the SQL in webhooks_store.c.
 */
#include "webhooks_handlers.h"
#include "webhooks_store.h"
#include "webhooks_url.h"

#include "kefu_audit.h"
#include "kefu_idempotency.h"
#include "kefu_roles.h"
#include "kefu_outbox.h"
#include "kefu_strbuf.h"
#include "kefu_text.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/*  Field bounds, in characters. */
enum {
    EVENT_TYPES_MAX = 32,
    EVENT_TYPE_MAX = 100,
    DESCRIPTION_MAX = 500,
    LIST_DEFAULT = 50,
    LIST_MAX = 200,
    RESOURCE_MAX = 96,
    FIELD_NAME_SIZE = 48, /* "event_types[N]" */
};

static const char STATUS_ACTIVE[] = "active";
static const char STATUS_PAUSED[] = "paused";
/*  Audit records are read by auditors only (AUD-8): never delivered. */
static const char AUDIT_RECORD_PREFIX[] = "audit.record";

static const char *const delivery_statuses[] = {"pending", "delivered", "dead", NULL};

static const webhooks_handlers_state_t *
handlers_state (kefu_call_t *call)
{
    return kefu_call_state (call);
}

static void
webhook_resource (const char *id, char *out, size_t size)
{
    snprintf (out, size, "webhook/%s", id);
}

/*  Only admins and integrations manage webhooks. The gateway checks this
 *  too; the service checks again, since ZeroMQ callers bypass the gateway. */
static bool
actor_may_manage (kefu_call_t *call)
{
    if (kefu_call_roles (call) & (KEFU_ROLE_ADMIN | KEFU_ROLE_INTEGRATION))
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "role-not-allowed", NULL,
                    "only the admin and integration roles may manage webhooks");
    return false;
}

/*  A webhook id as webhooks_vault_new_id makes them. Anything else cannot
 *  exist, so it is answered like an unknown id. */
static bool
webhook_id_ok (kefu_call_t *call, const char *id)
{
    bool ok = strlen (id) == WEBHOOKS_ID_SIZE - 1 && strncmp (id, "wh_", 3) == 0;
    for (const char *p = id + (ok ? 3 : 0); ok && *p; p++)
        ok = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
    /*  Not echoed: it may be anything, control characters included. */
    if (!ok)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "no webhook has this id (ids look like wh_ and 24 hex digits)");
    return ok;
}

static void
webhook_not_found (kefu_call_t *call, const char *id)
{
    kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "webhook %s not found", id);
}

static bool
list_window_ok (kefu_call_t *call, uint32_t limit, int64_t after)
{
    if (limit > LIST_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "limit",
                        "limit must be from 1 to %d", LIST_MAX);
        return false;
    }
    if (after < 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "after",
                        "after must be a cursor from a previous page");
        return false;
    }
    return true;
}

bool
webhooks_event_type_valid (const char *type, const char **reason)
{
    size_t length = strlen (type);
    if (length == 0 || length > EVENT_TYPE_MAX) {
        *reason = "must be 1 to 100 characters";
        return false;
    }
    for (const char *p = type; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-')) {
            *reason = "may hold only letters, digits, '.', '_' and '-' (an event type prefix like "
                      "\"ticket.\")";
            return false;
        }
    if (strncmp (type, AUDIT_RECORD_PREFIX, sizeof AUDIT_RECORD_PREFIX - 1) == 0) {
        *reason = "names audit records, which are never delivered to webhooks (AUD-8)";
        return false;
    }
    return true;
}

/* --- webhooks.create --------------------------------------------------------- */

/*  Check the request's own fields; on success `joined` holds the prefixes
 *  joined by '\n' (the caller releases it). */
static bool
create_request_valid (kefu_call_t *call, const Kefu__V1__CreateWebhookRequest *request,
                      webhooks_url_t *url, kefu_strbuf_t *joined)
{
    const char *problem = kefu_text_check (request->url, KEFU_TEXT_LINE, WEBHOOKS_URL_MAX, true);
    if (!problem)
        problem = webhooks_url_parse (request->url, url);
    if (problem) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-url", "url", "url %s",
                        problem);
        return false;
    }
    if (request->n_event_types > EVENT_TYPES_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "event_types",
                        "event_types may hold at most %d prefixes", EVENT_TYPES_MAX);
        return false;
    }
    for (size_t i = 0; i < request->n_event_types; i++) {
        const char *reason;
        if (!webhooks_event_type_valid (request->event_types[i], &reason)) {
            char field[FIELD_NAME_SIZE];
            snprintf (field, sizeof field, "event_types[%zu]", i);
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field, "%s %s",
                            field, reason);
            return false;
        }
        kefu_strbuf_appendf (joined, "%s%s", i ? "\n" : "", request->event_types[i]);
    }
    return kefu_call_check_text (call, "description", request->description, KEFU_TEXT_LINE,
                                 DESCRIPTION_MAX, false);
}

/*  Resolve the URL and apply the SSRF guard; answer and return false if it
 *  is refused. Runs before any transaction: a resolver may take seconds. */
static bool
create_url_allowed (kefu_call_t *call, const webhooks_url_t *url)
{
    char reason[WEBHOOKS_URL_REASON_SIZE];
    switch (webhooks_url_check (url, handlers_state (call)->allow_private, reason, sizeof reason)) {
        case WEBHOOKS_URL_OK:
            return true;
        case WEBHOOKS_URL_REFUSED:
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "url-not-allowed", "url",
                            "url %s", reason);
            return false;
        case WEBHOOKS_URL_NO_SUCH_HOST:
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-url", "url", "url %s",
                            reason);
            return false;
        case WEBHOOKS_URL_TRY_LATER:
            break;
    }
    kefu_call_fail (call, KEFU__V1__CODE__UNAVAILABLE, "resolver-unavailable", "url",
                    "url %s; retry later", reason);
    return false;
}

/*  Answer a repeated create with what the key created first, secret
 *  included: the first answer may never have reached the caller, and
 *  without the secret the webhook would be useless to them. Showing the
 *  secret again is recorded like the creation. */
static void
create_replay (kefu_call_t *call, const char *webhook_id)
{
    if (!*webhook_id) {
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", "Idempotency-Key",
                        "the webhook created with this Idempotency-Key has been deleted");
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    webhooks_rows_t rows = {0};
    unsigned char *sealed = NULL;
    size_t sealed_size = 0;
    char secret[WEBHOOKS_SECRET_SIZE] = "", resource[RESOURCE_MAX];
    webhook_resource (webhook_id, resource, sizeof resource);
    int found = kefu_db_begin (db) == 0 ? webhooks_store_get (db, webhook_id, false, &rows) : -1;
    if (found == 0)
        found = webhooks_store_secret (db, webhook_id, &sealed, &sealed_size);
    if (found == 0 &&
        (kefu_audit_record (call, "webhook.create_replayed", resource, NULL, 0) != 0 ||
         kefu_db_commit (db) != 0))
        found = -1;
    if (found != 0)
        kefu_db_rollback (db);
    if (found < 0) {
        if (sealed)
            PQfreemem (sealed);
        webhooks_rows_release (&rows);
        kefu_call_fail_db (call);
        return;
    }
    if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", "Idempotency-Key",
                        "the webhook created with this Idempotency-Key has been deleted");
    else if (webhooks_vault_open (handlers_state (call)->vault, webhook_id, sealed, sealed_size, secret) != 0)
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL,
                        "the webhook's secret cannot be opened with the configured key");
    else {
        rows.webhooks[0].secret = secret;
        kefu_call_reply (call, &rows.webhooks[0].base);
    }
    sodium_memzero (secret, sizeof secret);
    if (sealed)
        PQfreemem (sealed);
    webhooks_rows_release (&rows);
}

static void
webhooks_create (kefu_call_t *call)
{
    const Kefu__V1__Request *envelope = kefu_call_request (call);
    const Kefu__V1__CreateWebhookRequest *request =
        (const Kefu__V1__CreateWebhookRequest *)kefu_call_payload (call);
    if (!actor_may_manage (call))
        return;
    webhooks_url_t url;
    kefu_strbuf_t joined;
    kefu_strbuf_init (&joined);
    const char *key = envelope->idempotency_key;
    if (!create_request_valid (call, request, &url, &joined) ||
        !kefu_idempotency_key_check (call) || !create_url_allowed (call, &url)) {
        kefu_strbuf_release (&joined);
        return;
    }
    if (!kefu_strbuf_ok (&joined)) {
        kefu_strbuf_release (&joined);
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        return;
    }
    const char *actor = envelope->actor->staff_id;
    char hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE] = "";
    if (*key)
        kefu_idempotency_request_hash (call, hash);
    char id[WEBHOOKS_ID_SIZE], secret[WEBHOOKS_SECRET_SIZE], resource[RESOURCE_MAX];
    webhooks_vault_new_id (id);
    webhooks_vault_new_secret (secret);
    webhook_resource (id, resource, sizeof resource);
    size_t sealed_size = 0;
    unsigned char *sealed = webhooks_vault_seal (handlers_state (call)->vault, id, secret, &sealed_size);

    kefu_db_t *db = kefu_call_db (call);
    webhooks_rows_t rows = {0};
    for (int attempt = 0; sealed && attempt < KEFU_IDEMPOTENCY_ATTEMPTS; attempt++) {
        if (kefu_db_begin (db) != 0)
            goto failed;
        if (*key) {
            bool claimed;
            char stored_hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE], stored_id[WEBHOOKS_ID_SIZE];
            if (webhooks_store_idempotency_claim (db, actor, key, hash, &claimed, stored_hash,
                                                  sizeof stored_hash, stored_id,
                                                  sizeof stored_id) != 0)
                goto failed;
            if (!claimed) {
                kefu_db_rollback (db);
                if (!*stored_hash)
                    continue; /* the holder rolled back: try again */
                if (strcmp (stored_hash, hash) != 0)
                    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT,
                                    "idempotency-key-reused", "Idempotency-Key",
                                    "this Idempotency-Key was used with a different request");
                else
                    create_replay (call, stored_id);
                goto done;
            }
        }
        if (webhooks_store_insert (db, id, request->url, kefu_strbuf_data (&joined),
                                   request->description, sealed, sealed_size, actor, &rows) != 0 ||
            (*key && webhooks_store_idempotency_bind (db, actor, key, id) != 0))
            goto failed;
        Kefu__V1__WebhookChanged event = KEFU__V1__WEBHOOK_CHANGED__INIT;
        event.webhook = &rows.webhooks[0]; /* no secret in it */
        if (kefu_outbox_append_message (db, "webhook.created", resource, &event.base) != 0 ||
            kefu_audit_record (call, "webhook.created", resource, NULL, 0) != 0 ||
            kefu_db_commit (db) != 0)
            goto failed;
        rows.webhooks[0].secret = secret;
        kefu_call_reply (call, &rows.webhooks[0].base);
        goto done;
    }
    if (sealed)
        kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "idempotency-key-busy", "Idempotency-Key",
                        "another request with this Idempotency-Key is in progress; retry");
    else
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
    goto done;
failed:
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
done:
    sodium_memzero (secret, sizeof secret);
    free (sealed);
    webhooks_rows_release (&rows);
    kefu_strbuf_release (&joined);
}

/* --- webhooks.get, webhooks.list ----------------------------------------------- */

static void
webhooks_get (kefu_call_t *call)
{
    const Kefu__V1__WebhookRef *request = (const Kefu__V1__WebhookRef *)kefu_call_payload (call);
    if (!actor_may_manage (call) || !webhook_id_ok (call, request->id))
        return;
    webhooks_rows_t rows = {0};
    int found = webhooks_store_get (kefu_call_db (call), request->id, false, &rows);
    if (found < 0)
        kefu_call_fail_db (call);
    else if (found == 1)
        webhook_not_found (call, request->id);
    else
        kefu_call_reply (call, &rows.webhooks[0].base);
    webhooks_rows_release (&rows);
}

static void
webhooks_list (kefu_call_t *call)
{
    const Kefu__V1__ListWebhooksRequest *request =
        (const Kefu__V1__ListWebhooksRequest *)kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : LIST_DEFAULT;
    if (!actor_may_manage (call) || !list_window_ok (call, limit, request->after))
        return;
    webhooks_rows_t rows = {0};
    /*  One row more than asked tells whether there is a next page. */
    if (webhooks_store_list (kefu_call_db (call), request->after, limit + 1, &rows) != 0) {
        kefu_call_fail_db (call);
        return;
    }
    size_t shown = rows.count > limit ? limit : rows.count;
    Kefu__V1__ListWebhooksReply reply = KEFU__V1__LIST_WEBHOOKS_REPLY__INIT;
    reply.n_items = shown;
    reply.items = rows.webhook_pointers;
    reply.next = rows.count > limit ? rows.numbers[shown - 1] : 0;
    kefu_call_reply (call, &reply.base);
    webhooks_rows_release (&rows);
}

/* --- webhooks.delete, webhooks.pause, webhooks.resume ----------------------------- */

static void
webhooks_delete (kefu_call_t *call)
{
    const Kefu__V1__WebhookRef *request = (const Kefu__V1__WebhookRef *)kefu_call_payload (call);
    if (!actor_may_manage (call) || !webhook_id_ok (call, request->id))
        return;
    kefu_db_t *db = kefu_call_db (call);
    webhooks_rows_t rows = {0};
    char resource[RESOURCE_MAX];
    webhook_resource (request->id, resource, sizeof resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = webhooks_store_delete (db, request->id, &rows);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_db_rollback (db);
        webhook_not_found (call, request->id);
        webhooks_rows_release (&rows);
        return;
    }
    Kefu__V1__WebhookChanged event = KEFU__V1__WEBHOOK_CHANGED__INIT;
    event.webhook = &rows.webhooks[0];
    if (kefu_outbox_append_message (db, "webhook.deleted", resource, &event.base) != 0 ||
        kefu_audit_record (call, "webhook.deleted", resource, NULL, 0) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &rows.webhooks[0].base);
    webhooks_rows_release (&rows);
    return;
failed:
    webhooks_rows_release (&rows);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

/*  Move a webhook to `status`, with event `event_type`. Asking for the
 *  status it already has changes nothing and writes nothing. */
static void
webhooks_set_status (kefu_call_t *call, const char *status, const char *event_type)
{
    const Kefu__V1__WebhookRef *request = (const Kefu__V1__WebhookRef *)kefu_call_payload (call);
    if (!actor_may_manage (call) || !webhook_id_ok (call, request->id))
        return;
    kefu_db_t *db = kefu_call_db (call);
    webhooks_rows_t current = {0}, updated = {0};
    char resource[RESOURCE_MAX];
    webhook_resource (request->id, resource, sizeof resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = webhooks_store_get (db, request->id, true, &current);
    if (found < 0)
        goto failed;
    if (found == 1 || strcmp (current.webhooks[0].status, status) == 0) {
        kefu_db_rollback (db);
        if (found == 1)
            webhook_not_found (call, request->id);
        else
            kefu_call_reply (call, &current.webhooks[0].base);
        webhooks_rows_release (&current);
        return;
    }
    if (webhooks_store_set_status (db, request->id, status, &updated) != 0)
        goto failed;
    Kefu__V1__WebhookChanged event = KEFU__V1__WEBHOOK_CHANGED__INIT;
    event.webhook = &updated.webhooks[0];
    /*  Resuming makes the deliveries that waited due at once. */
    if (kefu_outbox_append_message (db, event_type, resource, &event.base) != 0 ||
        kefu_audit_record (call, event_type, resource, NULL, 0) != 0 ||
        (strcmp (status, STATUS_ACTIVE) == 0 && webhooks_store_wake_senders (db) != 0) ||
        kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &updated.webhooks[0].base);
    webhooks_rows_release (&current);
    webhooks_rows_release (&updated);
    return;
failed:
    webhooks_rows_release (&current);
    webhooks_rows_release (&updated);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

static void
webhooks_pause (kefu_call_t *call)
{
    webhooks_set_status (call, STATUS_PAUSED, "webhook.paused");
}

static void
webhooks_resume (kefu_call_t *call)
{
    webhooks_set_status (call, STATUS_ACTIVE, "webhook.resumed");
}

/* --- webhooks.deliveries, webhooks.redeliver ------------------------------------- */

static void
webhooks_deliveries (kefu_call_t *call)
{
    const Kefu__V1__ListDeliveriesRequest *request =
        (const Kefu__V1__ListDeliveriesRequest *)kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : LIST_DEFAULT;
    if (!actor_may_manage (call) || !webhook_id_ok (call, request->webhook_id) ||
        !list_window_ok (call, limit, request->after))
        return;
    if (*request->status && !kefu_text_one_of (request->status, delivery_statuses)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "status",
                        "status must be one of: pending, delivered, dead");
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    webhooks_rows_t webhook = {0}, rows = {0};
    int found = webhooks_store_get (db, request->webhook_id, false, &webhook);
    if (found == 0)
        found = webhooks_store_deliveries (db, request->webhook_id, request->status, request->after,
                                           limit + 1, &rows);
    if (found < 0)
        kefu_call_fail_db (call);
    else if (found == 1)
        webhook_not_found (call, request->webhook_id);
    else {
        size_t shown = rows.count > limit ? limit : rows.count;
        Kefu__V1__ListDeliveriesReply reply = KEFU__V1__LIST_DELIVERIES_REPLY__INIT;
        reply.n_items = shown;
        reply.items = rows.delivery_pointers;
        reply.next = rows.count > limit ? rows.deliveries[shown - 1].id : 0;
        kefu_call_reply (call, &reply.base);
    }
    webhooks_rows_release (&webhook);
    webhooks_rows_release (&rows);
}

static void
webhooks_redeliver (kefu_call_t *call)
{
    const Kefu__V1__RedeliverRequest *request =
        (const Kefu__V1__RedeliverRequest *)kefu_call_payload (call);
    if (!actor_may_manage (call) || !webhook_id_ok (call, request->webhook_id))
        return;
    kefu_db_t *db = kefu_call_db (call);
    webhooks_rows_t webhook = {0}, rows = {0};
    char resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "webhook/%s/delivery/%" PRId64, request->webhook_id,
              request->delivery_id);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = webhooks_store_get (db, request->webhook_id, false, &webhook);
    if (found == 0)
        found = webhooks_store_redeliver (db, request->webhook_id, request->delivery_id, &rows);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_db_rollback (db);
        if (webhook.count == 0)
            webhook_not_found (call, request->webhook_id);
        else
            kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", "delivery_id",
                            "webhook %s has no delivery %" PRId64, request->webhook_id,
                            request->delivery_id);
        webhooks_rows_release (&webhook);
        webhooks_rows_release (&rows);
        return;
    }
    Kefu__V1__WebhookDeliveryChanged event = KEFU__V1__WEBHOOK_DELIVERY_CHANGED__INIT;
    event.delivery = &rows.deliveries[0];
    if (kefu_outbox_append_message (db, "webhook.delivery.redelivered", resource, &event.base) !=
            0 ||
        kefu_audit_record (call, "webhook.delivery.redelivered", resource, NULL, 0) != 0 ||
        webhooks_store_wake_senders (db) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &rows.deliveries[0].base);
    webhooks_rows_release (&webhook);
    webhooks_rows_release (&rows);
    return;
failed:
    webhooks_rows_release (&webhook);
    webhooks_rows_release (&rows);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

const kefu_method_t webhooks_methods[] = {
    {"webhooks.create", webhooks_create, &kefu__v1__create_webhook_request__descriptor, true},
    {"webhooks.get", webhooks_get, &kefu__v1__webhook_ref__descriptor, true},
    {"webhooks.list", webhooks_list, &kefu__v1__list_webhooks_request__descriptor, true},
    {"webhooks.delete", webhooks_delete, &kefu__v1__webhook_ref__descriptor, true},
    {"webhooks.pause", webhooks_pause, &kefu__v1__webhook_ref__descriptor, true},
    {"webhooks.resume", webhooks_resume, &kefu__v1__webhook_ref__descriptor, true},
    {"webhooks.deliveries", webhooks_deliveries, &kefu__v1__list_deliveries_request__descriptor,
     true},
    {"webhooks.redeliver", webhooks_redeliver, &kefu__v1__redeliver_request__descriptor, true},
};

const size_t webhooks_method_count = sizeof webhooks_methods / sizeof webhooks_methods[0];
