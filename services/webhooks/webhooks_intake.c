/*  webhooks_intake: the consumer's handler, and the consumer's wiring from
 *  configuration. See webhooks_intake.h.
 */
#include "webhooks_intake.h"
#include "webhooks_store.h"

#include "kefu_cloudevent.h"
#include "kefu_log.h"
#include "kefu_strbuf.h"
#include "kefu_text.h"
#include "kefu_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    QUEUED_TEXT_SIZE = 16,
};

static const char SERVICE_NAME[] = "webhooks";
static const char AUDIT_RECORD_PREFIX[] = "audit.record.";
static const char OWN_DELIVERY_PREFIX[] = "webhook.delivery.";

static bool
intake_starts_with (const char *text, const char *prefix)
{
    return strncmp (text, prefix, strlen (prefix)) == 0;
}

bool
webhooks_intake_wanted (const Kefu__V1__Event *event)
{
    if (intake_starts_with (event->type, AUDIT_RECORD_PREFIX))
        return false;
    if (strcmp (event->source, SERVICE_NAME) == 0 &&
        intake_starts_with (event->type, OWN_DELIVERY_PREFIX))
        return false;
    return true;
}

int
webhooks_intake_handle (kefu_db_t *tx, const Kefu__V1__Event *event, void *arg)
{
    (void)arg;
    if (!webhooks_intake_wanted (event))
        return 0;
    int64_t event_time_ms;
    if (!kefu_time_parse_rfc3339 (event->time, &event_time_ms)) {
        /*  A source always stamps its events; should one not, the webhooks
         *  registered by now are the best guess of who wanted it. */
        kefu_log_warn ("intake.event_without_time", "source", event->source, "id", event->id, NULL);
        event_time_ms = kefu_time_now_ms ();
    }
    char *body = kefu_cloudevent_render (event);
    if (!body) {
        kefu_log_error ("intake.render_failed", "source", event->source, "id", event->id, NULL);
        return -1;
    }
    int queued = 0;
    int rc = webhooks_store_enqueue (tx, event, event_time_ms, body, &queued);
    free (body);
    if (rc != 0) {
        kefu_log_warn ("intake.enqueue_failed", "source", event->source, "id", event->id, "error",
                       kefu_db_error (tx), NULL);
        return -1;
    }
    if (queued > 0) {
        char count[QUEUED_TEXT_SIZE];
        snprintf (count, sizeof count, "%d", queued);
        kefu_log_debug ("intake.queued", "source", event->source, "type", event->type, "id",
                        event->id, "deliveries", count, NULL);
    }
    return 0;
}

kefu_consumer_t *
webhooks_intake_consumer_new (kefu_config_t *config, void *zmq_context, char **problem)
{
    *problem = NULL;
    kefu_strbuf_t error;
    kefu_strbuf_init (&error);
    char *sources = strdup (kefu_config_string (config, "KEFU_WEBHOOKS_SOURCES"));
    kefu_consumer_t *consumer = kefu_consumer_new (
        SERVICE_NAME, kefu_config_service_dsn (config, SERVICE_NAME), zmq_context,
        kefu_config_string (config, "KEFU_BUS_XPUB"), webhooks_intake_handle, NULL);
    if (!sources || !consumer)
        kefu_strbuf_append (&error, "cannot create the event consumer");
    else
        /*  Audit records and our own delivery events are most of the bus:
         *  skipped before the consumer opens a transaction for them. */
        kefu_consumer_set_filter (consumer, webhooks_intake_wanted);
    int added = 0;
    char *save = NULL;
    for (char *name = sources ? strtok_r (sources, ", ", &save) : NULL;
         name && kefu_strbuf_length (&error) == 0; name = strtok_r (NULL, ", ", &save)) {
        const char *endpoint = kefu_config_service_string (config, name, "ENDPOINT");
        if (!kefu_text_service_name_valid (name, strlen (name)) || !endpoint)
            kefu_strbuf_appendf (&error,
                                 "KEFU_WEBHOOKS_SOURCES: \"%s\" is not a kefu service "
                                 "(no KEFU_<SERVICE>_ENDPOINT is known for it)",
                                 name);
        else if (kefu_consumer_add_source (consumer, name, endpoint) != 0)
            kefu_strbuf_appendf (&error, "KEFU_WEBHOOKS_SOURCES: cannot add source \"%s\"", name);
        else
            added++;
    }
    if (kefu_strbuf_length (&error) == 0 && added == 0)
        kefu_strbuf_append (
            &error, "KEFU_WEBHOOKS_SOURCES names no service: there would be nothing to deliver");
    free (sources);
    if (kefu_strbuf_length (&error) > 0 || !kefu_strbuf_ok (&error)) {
        *problem = kefu_strbuf_detach (&error);
        if (!*problem)
            *problem = strdup ("out of memory");
        kefu_consumer_destroy (&consumer);
        return NULL;
    }
    kefu_strbuf_release (&error);
    return consumer;
}
