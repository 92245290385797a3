/*  gateway_pending: the requests the gateway has sent and not yet settled.
 *
 *  Each request to a service gets a slot here until its Reply arrives, its
 *  deadline passes, or its service goes away. The table is fixed in size
 *  (KEFU_HTTP_MAX_CONNECTIONS): when it is full the gateway answers 429
 *  instead of queueing without bound.
 *
 *  The request id sent to the service names the slot, so a Reply is
 *  matched in O(1) without a hash map: 40 lower-case hex digits, a random
 *  64-bit prefix chosen per gateway process (so replies meant for another
 *  gateway, or a previous run, are recognised as strangers), a 64-bit
 *  sequence number unique within the process, and the 32-bit slot index.
 *  A late reply whose slot has since been reused carries an older sequence
 *  number and is ignored. Deadlines are kept in a binary min-heap, so the
 *  next one is found in O(1) and each is removed in O(log n).
 *
 *  Times are milliseconds on the monotonic clock (gateway_pending_now_ms),
 *  which does not jump when the wall clock is set.
 */
#ifndef GATEWAY_PENDING_H_INCLUDED
#define GATEWAY_PENDING_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    /*  A request id's text: 16 + 16 + 8 hex digits and the NUL. */
    GATEWAY_REQUEST_ID_LENGTH = 40,
    GATEWAY_REQUEST_ID_SIZE = GATEWAY_REQUEST_ID_LENGTH + 1
};

/*  Names one entry; stays valid (and harmless) after the entry is gone. */
typedef struct {
    uint32_t slot;
    uint64_t sequence; /* 0 = names nothing */
} gateway_pending_id_t;

/*  What a caller stored with a request, handed back when it settles. */
typedef struct {
    gateway_pending_id_t id;
    size_t service;      /* index of the service it was sent to */
    int64_t deadline_ms; /* monotonic */
    void *owner;         /* whoever waits for the outcome */
} gateway_pending_entry_t;

typedef struct _gateway_pending_t gateway_pending_t;

/*  A table of `capacity` slots; request ids start with `prefix`. NULL
 *  when out of memory. */
gateway_pending_t *gateway_pending_new (size_t capacity, uint64_t prefix);

void gateway_pending_destroy (gateway_pending_t **self_p);

/*  Take a slot. Returns 0 and fills *id and `request_id`, or -1 when the
 *  table is full. */
int gateway_pending_add (gateway_pending_t *self, size_t service, int64_t deadline_ms, void *owner,
                         gateway_pending_id_t *id, char request_id[GATEWAY_REQUEST_ID_SIZE]);

/*  The entry whose request id is the `length` bytes at `request_id` and
 *  which was sent to `service`: removed and copied to *entry. False (and
 *  nothing changes) for an id that is malformed, foreign, stale, or was
 *  sent to another service. */
bool gateway_pending_take (gateway_pending_t *self, const char *request_id, size_t length,
                           size_t service, gateway_pending_entry_t *entry);

/*  Remove the entry `id` names, if it is still there; true if it was. */
bool gateway_pending_remove (gateway_pending_t *self, gateway_pending_id_t id);

/*  The earliest deadline, or INT64_MAX when the table is empty. */
int64_t gateway_pending_next_deadline (gateway_pending_t *self);

/*  Remove one entry whose deadline is at or before `now_ms`, earliest
 *  first; false when there is none. */
bool gateway_pending_take_expired (gateway_pending_t *self, int64_t now_ms,
                                   gateway_pending_entry_t *entry);

/*  Remove the next entry of `service` at or after slot *cursor (start with
 *  0), advancing *cursor; false when there are no more. For failing every
 *  request of a service that went away. */
bool gateway_pending_take_service (gateway_pending_t *self, size_t service, size_t *cursor,
                                   gateway_pending_entry_t *entry);

size_t gateway_pending_count (gateway_pending_t *self);

/*  Now, in milliseconds on the monotonic clock deadlines are kept on. */
int64_t gateway_pending_now_ms (void);

#endif
