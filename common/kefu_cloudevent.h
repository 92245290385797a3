/*  kefu_cloudevent: an event as a CloudEvents 1.0 structured JSON object.
 *
 *  On the bus and in the outbox an event's data is a protobuf message named
 *  by its content type ("application/protobuf; messageType=kefu.v1.
 *  TicketCreated"). HTTP consumers (SSE, webhooks) get CloudEvents JSON
 *  with the data rendered as JSON, plus the extension attribute `seq`, the
 *  per-source publish sequence:
 *
 *    {"specversion": "1.0", "id": "…", "source": "tickets",
 *     "type": "ticket.created", "subject": "ticket/42",
 *     "time": "2026-11-25T09:30:00.250Z", "datacontenttype": "application/json",
 *     "seq": 17, "data": {"ticket": {…}}}
 *
 *  A payload type this table does not know travels as `data_base64` with
 *  its original content type, so nothing is ever dropped.
 */
#ifndef KEFU_CLOUDEVENT_H_INCLUDED
#define KEFU_CLOUDEVENT_H_INCLUDED

#include "kefu/v1/envelope.pb-c.h"

#include <jansson.h>

/*  The event as a new JSON object (caller json_decref()s), or NULL. */
json_t *kefu_cloudevent_to_json (const Kefu__V1__Event *event);

/*  The same serialized compactly, keys in a stable order (caller frees),
 *  or NULL. */
char *kefu_cloudevent_render (const Kefu__V1__Event *event);

/*  The descriptor of the payload named by a content type, or NULL. */
const ProtobufCMessageDescriptor *kefu_cloudevent_payload_type (const char *content_type);

#endif
