/*  webhooks_sender: the delivery threads, POSTing queued events to the
 *  webhooks' URLs with libcurl.
 *
 *  KEFU_WEBHOOKS_SENDERS threads, each with its own database connection
 *  and curl handle. A thread claims the pending delivery that is due first
 *  (one statement, a lease of the attempt's time limit and a margin, so
 *  senders and replicas never take the same delivery and one that died
 *  lets go), sends it, and records the outcome:
 *
 *  - a 2xx answer: delivered;
 *  - anything else (another status, no answer, a refused address): the
 *    attempt count, status code, error (bounded) and latency are kept, and
 *    the next attempt is scheduled with exponential backoff and full
 *    jitter (webhooks_backoff.h); once the first attempt of the round is
 *    KEFU_WEBHOOKS_GIVE_UP_S old, the delivery is dead instead, with an
 *    outbox event webhook.delivery.dead in the same transaction.
 *
 *  Every request carries the headers integrators rely on:
 *      Content-Type: application/cloudevents+json
 *      Kefu-Event-Id, Idempotency-Key   the event's id: stable across
 *                                       retries and redeliveries (dedup)
 *      Kefu-Event-Type                  the event's type
 *      Kefu-Delivery-Id                 the delivery log entry
 *      Kefu-Timestamp, Kefu-Signature   see webhooks_signature.h
 *
 *  Redirects are not followed and proxies from the environment are not
 *  used; the address of every new connection is checked against the SSRF
 *  guard just before connecting (webhooks_url.h), so what a name resolves
 *  to at delivery time cannot bypass it. An idle thread sleeps until a
 *  NOTIFY (deliveries queued, a webhook resumed, a redelivery) or
 *  KEFU_WEBHOOKS_POLL_MS (retries falling due).
 *
 *  Delivery is at least once: a sender that dies after the receiver
 *  accepted but before recording it sends again when the lease runs out.
 *  Receivers drop duplicates by Kefu-Event-Id.
 */
#ifndef WEBHOOKS_SENDER_H_INCLUDED
#define WEBHOOKS_SENDER_H_INCLUDED

#include "webhooks_vault.h"

#include "kefu_config.h"

#include <stdint.h>

typedef struct _webhooks_sender_t webhooks_sender_t;

/*  Senders configured from `config` (KEFU_WEBHOOKS_*; read now, so it may
 *  go afterwards), opening secrets with `vault` (borrowed, must outlive
 *  the sender). curl_global_init must have been called. Returns NULL when
 *  out of memory. */
webhooks_sender_t *webhooks_sender_new (kefu_config_t *config, webhooks_vault_t *vault);

/*  Start the threads. Returns 0, or -1 (logged; call destroy). */
int webhooks_sender_start (webhooks_sender_t *self);

/*  Stop the threads (an attempt in flight is cut short and its delivery
 *  given back, not counted) and free everything. */
void webhooks_sender_destroy (webhooks_sender_t **self_p);

/*  Attempts recorded so far by this object (for tests and metrics). */
uint64_t webhooks_sender_attempts (webhooks_sender_t *self);

#endif
