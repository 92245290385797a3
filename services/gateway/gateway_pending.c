/*  gateway_pending: slots, request ids and a deadline heap.
 *  See gateway_pending.h.
 */
#include "gateway_pending.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    PENDING_PREFIX_DIGITS = 16,
    PENDING_SEQUENCE_DIGITS = 16,
    PENDING_SLOT_DIGITS = 8,
    PENDING_MILLIS_PER_SECOND = 1000,
    PENDING_NANOS_PER_MILLI = 1000000
};

/*  Marks a free slot's heap position. */
#define PENDING_NOT_IN_HEAP SIZE_MAX

typedef struct {
    gateway_pending_entry_t entry; /* entry.id.sequence == 0: free */
    size_t heap_position;
    size_t next_free; /* free list link */
} pending_slot_t;

struct _gateway_pending_t {
    pending_slot_t *slots;
    size_t capacity;
    size_t count;
    size_t first_free; /* == capacity: none */
    size_t *heap;      /* slot indices, earliest deadline first */
    uint64_t prefix;
    uint64_t next_sequence;
};

int64_t
gateway_pending_now_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * PENDING_MILLIS_PER_SECOND + now.tv_nsec / PENDING_NANOS_PER_MILLI;
}

gateway_pending_t *
gateway_pending_new (size_t capacity, uint64_t prefix)
{
    assert (capacity > 0 && capacity <= UINT32_MAX);
    gateway_pending_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->slots = calloc (capacity, sizeof *self->slots);
    self->heap = calloc (capacity, sizeof *self->heap);
    if (!self->slots || !self->heap) {
        gateway_pending_destroy (&self);
        return NULL;
    }
    self->capacity = capacity;
    self->prefix = prefix;
    self->next_sequence = 1;
    for (size_t i = 0; i < capacity; i++) {
        self->slots[i].heap_position = PENDING_NOT_IN_HEAP;
        self->slots[i].next_free = i + 1;
    }
    self->first_free = 0;
    return self;
}

void
gateway_pending_destroy (gateway_pending_t **self_p)
{
    assert (self_p);
    gateway_pending_t *self = *self_p;
    if (!self)
        return;
    free (self->slots);
    free (self->heap);
    free (self);
    *self_p = NULL;
}

/* --- the deadline heap --------------------------------------------------- */

static int64_t
pending_heap_deadline (gateway_pending_t *self, size_t position)
{
    return self->slots[self->heap[position]].entry.deadline_ms;
}

static void
pending_heap_place (gateway_pending_t *self, size_t position, size_t slot)
{
    self->heap[position] = slot;
    self->slots[slot].heap_position = position;
}

static void
pending_heap_sift_up (gateway_pending_t *self, size_t position)
{
    size_t slot = self->heap[position];
    int64_t deadline = self->slots[slot].entry.deadline_ms;
    while (position > 0) {
        size_t parent = (position - 1) / 2;
        if (pending_heap_deadline (self, parent) <= deadline)
            break;
        pending_heap_place (self, position, self->heap[parent]);
        position = parent;
    }
    pending_heap_place (self, position, slot);
}

static void
pending_heap_sift_down (gateway_pending_t *self, size_t position)
{
    size_t slot = self->heap[position];
    int64_t deadline = self->slots[slot].entry.deadline_ms;
    for (;;) {
        size_t child = 2 * position + 1;
        if (child >= self->count)
            break;
        if (child + 1 < self->count &&
            pending_heap_deadline (self, child + 1) < pending_heap_deadline (self, child))
            child++;
        if (pending_heap_deadline (self, child) >= deadline)
            break;
        pending_heap_place (self, position, self->heap[child]);
        position = child;
    }
    pending_heap_place (self, position, slot);
}

/*  Free slot `slot` (in use), copying its entry out. */
static void
pending_release (gateway_pending_t *self, size_t slot, gateway_pending_entry_t *entry)
{
    pending_slot_t *freed = &self->slots[slot];
    if (entry)
        *entry = freed->entry;
    size_t position = freed->heap_position;
    self->count--;
    if (position != self->count) {
        /*  Move the last heap element into the hole, then restore order in
         *  whichever direction it is out of place. */
        pending_heap_place (self, position, self->heap[self->count]);
        if (position > 0 && pending_heap_deadline (self, (position - 1) / 2) >
                                pending_heap_deadline (self, position))
            pending_heap_sift_up (self, position);
        else
            pending_heap_sift_down (self, position);
    }
    memset (&freed->entry, 0, sizeof freed->entry);
    freed->heap_position = PENDING_NOT_IN_HEAP;
    freed->next_free = self->first_free;
    self->first_free = slot;
}

/* --- public -------------------------------------------------------------- */

int
gateway_pending_add (gateway_pending_t *self, size_t service, int64_t deadline_ms, void *owner,
                     gateway_pending_id_t *id, char request_id[GATEWAY_REQUEST_ID_SIZE])
{
    if (self->first_free >= self->capacity)
        return -1;
    size_t slot = self->first_free;
    pending_slot_t *taken = &self->slots[slot];
    self->first_free = taken->next_free;

    taken->entry.id.slot = (uint32_t)slot;
    taken->entry.id.sequence = self->next_sequence++;
    taken->entry.service = service;
    taken->entry.deadline_ms = deadline_ms;
    taken->entry.owner = owner;
    self->heap[self->count] = slot;
    taken->heap_position = self->count;
    self->count++;
    pending_heap_sift_up (self, taken->heap_position);

    *id = taken->entry.id;
    snprintf (request_id, GATEWAY_REQUEST_ID_SIZE, "%016" PRIx64 "%016" PRIx64 "%08" PRIx32,
              self->prefix, taken->entry.id.sequence, taken->entry.id.slot);
    return 0;
}

/*  Parse `digits` lower-case hex digits; false on anything else. */
static bool
pending_parse_hex (const char *text, size_t digits, uint64_t *value)
{
    uint64_t parsed = 0;
    for (size_t i = 0; i < digits; i++) {
        char c = text[i];
        unsigned nibble;
        if (c >= '0' && c <= '9')
            nibble = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            nibble = (unsigned)(c - 'a' + 10);
        else
            return false;
        parsed = (parsed << 4) | nibble;
    }
    *value = parsed;
    return true;
}

bool
gateway_pending_take (gateway_pending_t *self, const char *request_id, size_t length,
                      size_t service, gateway_pending_entry_t *entry)
{
    uint64_t prefix, sequence, slot;
    if (!request_id || length != GATEWAY_REQUEST_ID_LENGTH ||
        !pending_parse_hex (request_id, PENDING_PREFIX_DIGITS, &prefix) ||
        !pending_parse_hex (request_id + PENDING_PREFIX_DIGITS, PENDING_SEQUENCE_DIGITS,
                            &sequence) ||
        !pending_parse_hex (request_id + PENDING_PREFIX_DIGITS + PENDING_SEQUENCE_DIGITS,
                            PENDING_SLOT_DIGITS, &slot))
        return false;
    if (prefix != self->prefix || slot >= self->capacity || sequence == 0)
        return false;
    pending_slot_t *found = &self->slots[slot];
    if (found->entry.id.sequence != sequence || found->entry.service != service)
        return false;
    pending_release (self, (size_t)slot, entry);
    return true;
}

bool
gateway_pending_remove (gateway_pending_t *self, gateway_pending_id_t id)
{
    if (id.sequence == 0 || id.slot >= self->capacity ||
        self->slots[id.slot].entry.id.sequence != id.sequence)
        return false;
    pending_release (self, id.slot, NULL);
    return true;
}

int64_t
gateway_pending_next_deadline (gateway_pending_t *self)
{
    return self->count ? pending_heap_deadline (self, 0) : INT64_MAX;
}

bool
gateway_pending_take_expired (gateway_pending_t *self, int64_t now_ms,
                              gateway_pending_entry_t *entry)
{
    if (self->count == 0 || pending_heap_deadline (self, 0) > now_ms)
        return false;
    pending_release (self, self->heap[0], entry);
    return true;
}

bool
gateway_pending_take_service (gateway_pending_t *self, size_t service, size_t *cursor,
                              gateway_pending_entry_t *entry)
{
    for (; *cursor < self->capacity; (*cursor)++) {
        pending_slot_t *slot = &self->slots[*cursor];
        if (slot->entry.id.sequence != 0 && slot->entry.service == service) {
            pending_release (self, *cursor, entry);
            (*cursor)++;
            return true;
        }
    }
    return false;
}

size_t
gateway_pending_count (gateway_pending_t *self)
{
    return self->count;
}
