/*  scheduling_security_desk: the handovers with the security desk (SCH-7,
 *  与保安部交接班) and the complaints they carry.
 *
 *  At 08:00 local the night's record comes back from the security desk's
 *  duty officer (direction "morning"); at 18:00 the customer-service side
 *  hands the book to the desk (direction "evening"). Either handover lists
 *  the complaints received after hours in the night that ended at 08:00
 *  that day: 18:00 the day before to 08:00, in the site's zone. They come
 *  from the tickets service's ticket.created events, consumed exactly once
 *  (common/kefu_consumer: a durable cursor in this schema, replay after a
 *  gap or restart) into complaints_received, since scheduling never reads
 *  another service's schema.
 *
 *  security_desk.record writes one handover (once per site, day and
 *  direction, not before its hour), with the complaints as listed then;
 *  security_desk.get reads it back.
 */
#ifndef SCHEDULING_SECURITY_DESK_H_INCLUDED
#define SCHEDULING_SECURITY_DESK_H_INCLUDED

#include "kefu/v1/envelope.pb-c.h"
#include "kefu_config.h"
#include "kefu_consumer.h"
#include "kefu_service.h"

void scheduling_security_desk_record (kefu_call_t *call);
void scheduling_security_desk_get (kefu_call_t *call);

/*  The consumer's handler (kefu_consumer_handler_fn; `arg` unused): record
 *  a ticket.created complaint. Other kinds pass. */
int scheduling_security_desk_complaint_handle (kefu_db_t *tx, const Kefu__V1__Event *event,
                                               void *arg);

/*  Build, not start, the consumer of KEFU_SCHEDULING_COMPLAINTS_SOURCE's
 *  ticket.created events (cursor in schema "scheduling", the source at its
 *  KEFU_<SOURCE>_ENDPOINT, the bus at KEFU_BUS_XPUB). *consumer is NULL
 *  when the variable is empty (no security-desk complaints). Returns 0, or
 *  -1 with *problem set to a static message. `zmq_context` is borrowed. */
int scheduling_security_desk_consumer_new (kefu_config_t *config, void *zmq_context,
                                           kefu_consumer_t **consumer, const char **problem);

#endif
