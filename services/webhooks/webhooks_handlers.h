/*  webhooks_handlers: the methods of the webhooks service.
 *
 *  Registering, listing, deleting, pausing and resuming webhooks, reading
 *  a webhook's delivery log and asking for a delivery to be sent again.
 *  Only the admin and integration roles may call them. Each change runs one
 *  transaction: the change, its outbox event (webhook.created, .deleted,
 *  .paused, .resumed, webhook.delivery.redelivered) and its audit record
 *  together. Nothing is written when any check fails.
 */
#ifndef WEBHOOKS_HANDLERS_H_INCLUDED
#define WEBHOOKS_HANDLERS_H_INCLUDED

#include "webhooks_vault.h"

#include "kefu_service.h"

#include <stdbool.h>

extern const kefu_method_t webhooks_methods[];
extern const size_t webhooks_method_count;

/*  What the handlers need beyond the call, handed to the runtime as the
 *  service spec's `state`: the vault that seals new secrets (borrowed, must
 *  outlive the service) and whether URLs may point at private addresses.
 *  Read-only while the service runs. */
typedef struct {
    webhooks_vault_t *vault;
    bool allow_private;
} webhooks_handlers_state_t;

/*  True if `type` (a webhook's event type prefix) is acceptable: 1..100
 *  characters of letters, digits, '.', '_' and '-', and not an audit record
 *  prefix. Otherwise false with a static reason. */
bool webhooks_event_type_valid (const char *type, const char **reason);

#endif
