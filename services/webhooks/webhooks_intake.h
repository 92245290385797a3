/*  webhooks_intake: from the events of the sources to queued deliveries.
 *
 *  The webhooks service consumes every event of the services named in
 *  KEFU_WEBHOOKS_SOURCES through the common consumer (kefu_consumer.h:
 *  each event exactly once, a durable cursor per source, replay after a
 *  gap or a restart). For each event it renders the CloudEvents JSON body
 *  once and queues a delivery for every webhook that wants the event, in
 *  the consumer's transaction, so the cursor moves if and only if the
 *  deliveries are queued. A failure rolls back and the consumer tries the
 *  event again.
 *
 *  Never delivered: audit records (audit.record.*, AUD-8: only auditors
 *  read the audit log), and the webhooks service's own delivery events
 *  (webhook.delivery.*) should it be one of the sources, so a dead
 *  delivery cannot beget deliveries about itself.
 */
#ifndef WEBHOOKS_INTAKE_H_INCLUDED
#define WEBHOOKS_INTAKE_H_INCLUDED

#include "kefu/v1/envelope.pb-c.h"
#include "kefu_config.h"
#include "kefu_consumer.h"

#include <stdbool.h>

/*  True if `event` may be delivered to webhooks at all. */
bool webhooks_intake_wanted (const Kefu__V1__Event *event);

/*  The consumer's handler (kefu_consumer_handler_fn); `arg` is unused. */
int webhooks_intake_handle (kefu_db_t *tx, const Kefu__V1__Event *event, void *arg);

/*  Build, but do not start, the consumer of the webhooks service: cursors
 *  in schema "webhooks", one source per name in KEFU_WEBHOOKS_SOURCES
 *  (reached at its KEFU_<SOURCE>_ENDPOINT), the bus at KEFU_BUS_XPUB.
 *  `zmq_context` is borrowed. Returns NULL on failure with *problem set to
 *  a message the caller frees. */
kefu_consumer_t *webhooks_intake_consumer_new (kefu_config_t *config, void *zmq_context,
                                               char **problem);

#endif
