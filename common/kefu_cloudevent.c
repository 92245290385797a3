/*  kefu_cloudevent: CloudEvents JSON rendering. See kefu_cloudevent.h.
 *
 *  To make a new event payload render as JSON, add its descriptor to
 *  payload_types below (and the event to docs/EVENTS.md).
 */
#include "kefu_cloudevent.h"
#include "kefu_json.h"

#include "kefu/v1/audit.pb-c.h"
#include "kefu/v1/tickets.pb-c.h"
#include "kefu/v1/webhooks.pb-c.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const ProtobufCMessageDescriptor *const payload_types[] = {
    &kefu__v1__ticket_created__descriptor,
    &kefu__v1__ticket_transitioned__descriptor,
    &kefu__v1__ticket_changed__descriptor,
    &kefu__v1__ticket_owner_notified__descriptor,
    &kefu__v1__department_changed__descriptor,
    &kefu__v1__routing_rule_changed__descriptor,
    &kefu__v1__audit_record__descriptor,
    &kefu__v1__webhook_changed__descriptor,
    &kefu__v1__webhook_delivery_changed__descriptor,
};

static const char CONTENT_TYPE_PREFIX[] = "application/protobuf; messageType=";

const ProtobufCMessageDescriptor *
kefu_cloudevent_payload_type (const char *content_type)
{
    size_t prefix = sizeof CONTENT_TYPE_PREFIX - 1;
    if (!content_type || strncmp (content_type, CONTENT_TYPE_PREFIX, prefix) != 0)
        return NULL;
    const char *name = content_type + prefix;
    for (size_t i = 0; i < sizeof payload_types / sizeof payload_types[0]; i++)
        if (strcmp (payload_types[i]->name, name) == 0)
            return payload_types[i];
    return NULL;
}

/*  The data as base64, for payloads we cannot render. */
static json_t *
cloudevent_base64 (const Kefu__V1__Event *event)
{
    size_t size = sodium_base64_encoded_len (event->data.len, sodium_base64_VARIANT_ORIGINAL);
    char *text = malloc (size);
    if (!text)
        return NULL;
    sodium_bin2base64 (text, size, event->data.data, event->data.len, sodium_base64_VARIANT_ORIGINAL);
    json_t *value = json_string (text);
    free (text);
    return value;
}

json_t *
kefu_cloudevent_to_json (const Kefu__V1__Event *event)
{
    json_t *object = json_pack ("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:I}",
                                "specversion", "1.0", "id", event->id, "source", event->source,
                                "type", event->type, "subject", event->subject, "time", event->time,
                                "seq", (json_int_t) event->seq);
    if (!object)
        return NULL;
    const ProtobufCMessageDescriptor *type = kefu_cloudevent_payload_type (event->datacontenttype);
    ProtobufCMessage *payload = type ? protobuf_c_message_unpack (type, NULL, event->data.len, event->data.data)
                                     : NULL;
    json_t *data = payload ? kefu_json_from_proto (payload) : NULL;
    if (payload)
        protobuf_c_message_free_unpacked (payload, NULL);
    int rc;
    if (data) {
        rc = json_object_set_new (object, "datacontenttype", json_string ("application/json"));
        rc |= json_object_set_new (object, "data", data);
    }
    else {
        rc = json_object_set_new (object, "datacontenttype", json_string (event->datacontenttype ? event->datacontenttype : ""));
        rc |= json_object_set_new (object, "data_base64", cloudevent_base64 (event));
    }
    if (rc != 0) {
        json_decref (object);
        return NULL;
    }
    return object;
}

char *
kefu_cloudevent_render (const Kefu__V1__Event *event)
{
    json_t *object = kefu_cloudevent_to_json (event);
    if (!object)
        return NULL;
    char *text = json_dumps (object, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref (object);
    return text;
}
