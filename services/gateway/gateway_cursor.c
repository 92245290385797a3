/*  gateway_cursor: positions per source, and their text. See
 *  gateway_cursor.h for the grammar.
 *
 *  The text is sorted by source name whatever the order of
 *  KEFU_GATEWAY_SERVICES, so that two gateways configured with the same
 *  services in another order write the same cursor; `order` holds the slots
 *  in that order, worked out once.
 */
#include "gateway_cursor.h"

#include "kefu_text.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    /*  Digits of UINT64_MAX. */
    CURSOR_SEQ_DIGITS_MAX = 20
};

struct _gateway_cursor_t {
    size_t count;
    const char *const *names; /* borrowed */
    size_t *order;            /* slots sorted by name */
    uint64_t *positions;
    bool *known;
};

gateway_cursor_t *
gateway_cursor_new (const char *const *names, size_t count)
{
    gateway_cursor_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->count = count;
    self->names = names;
    size_t slots = count ? count : 1;
    self->order = calloc (slots, sizeof *self->order);
    self->positions = calloc (slots, sizeof *self->positions);
    self->known = calloc (slots, sizeof *self->known);
    if (!self->order || !self->positions || !self->known) {
        gateway_cursor_destroy (&self);
        return NULL;
    }
    /*  Insertion sort: a handful of services. */
    for (size_t i = 0; i < count; i++) {
        size_t j = i;
        while (j > 0 && strcmp (names[self->order[j - 1]], names[i]) > 0) {
            self->order[j] = self->order[j - 1];
            j--;
        }
        self->order[j] = i;
    }
    return self;
}

void
gateway_cursor_destroy (gateway_cursor_t **self_p)
{
    assert (self_p);
    gateway_cursor_t *self = *self_p;
    if (!self)
        return;
    free (self->order);
    free (self->positions);
    free (self->known);
    free (self);
    *self_p = NULL;
}

gateway_cursor_t *
gateway_cursor_dup (const gateway_cursor_t *other)
{
    gateway_cursor_t *self = gateway_cursor_new (other->names, other->count);
    if (!self)
        return NULL;
    for (size_t i = 0; i < other->count; i++) {
        self->positions[i] = other->positions[i];
        self->known[i] = other->known[i];
    }
    return self;
}

/*  A seq: 1..20 digits whose value fits in a uint64. */
static bool
cursor_seq_parse (const char *text, size_t length, uint64_t *seq)
{
    if (length == 0 || length > CURSOR_SEQ_DIGITS_MAX)
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        unsigned digit = (unsigned)(text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *seq = value;
    return true;
}

/*  The slot of the source called by the `length` bytes at `name`, or -1. */
static long
cursor_slot (const gateway_cursor_t *self, const char *name, size_t length)
{
    for (size_t i = 0; i < self->count; i++)
        if (strlen (self->names[i]) == length && memcmp (self->names[i], name, length) == 0)
            return (long)i;
    return -1;
}

int
gateway_cursor_parse (gateway_cursor_t *self, const char *text,
                      char reason[GATEWAY_CURSOR_REASON_SIZE])
{
    size_t length = strlen (text);
    if (length == 0 || length > GATEWAY_CURSOR_TEXT_MAX) {
        snprintf (reason, GATEWAY_CURSOR_REASON_SIZE, "it must be 1 to %d characters",
                  GATEWAY_CURSOR_TEXT_MAX);
        return -1;
    }
    /*  Parse into copies: a malformed cursor changes nothing. Entry names
     *  are remembered to refuse duplicates, known sources or not. */
    uint64_t positions[GATEWAY_CURSOR_ENTRIES_MAX];
    long slots[GATEWAY_CURSOR_ENTRIES_MAX];
    const char *names[GATEWAY_CURSOR_ENTRIES_MAX];
    size_t name_lengths[GATEWAY_CURSOR_ENTRIES_MAX];
    size_t entries = 0;
    const char *cursor = text;
    for (;;) {
        const char *end = strchr (cursor, ',');
        if (!end)
            end = text + length;
        const char *colon = memchr (cursor, ':', (size_t)(end - cursor));
        if (!colon) {
            snprintf (reason, GATEWAY_CURSOR_REASON_SIZE,
                      "each entry must be source:seq, like tickets:42");
            return -1;
        }
        size_t name_length = (size_t)(colon - cursor);
        if (!kefu_text_service_name_valid (cursor, name_length)) {
            snprintf (reason, GATEWAY_CURSOR_REASON_SIZE,
                      "a source must be a service name (a-z, 0-9, _; at most %d)",
                      GATEWAY_CURSOR_SOURCE_MAX);
            return -1;
        }
        uint64_t seq;
        if (!cursor_seq_parse (colon + 1, (size_t)(end - colon - 1), &seq)) {
            snprintf (reason, GATEWAY_CURSOR_REASON_SIZE,
                      "a seq must be a decimal integer from 0 to %" PRIu64, UINT64_MAX);
            return -1;
        }
        if (entries == GATEWAY_CURSOR_ENTRIES_MAX) {
            snprintf (reason, GATEWAY_CURSOR_REASON_SIZE, "it may name at most %d sources",
                      GATEWAY_CURSOR_ENTRIES_MAX);
            return -1;
        }
        for (size_t i = 0; i < entries; i++)
            if (name_lengths[i] == name_length && memcmp (names[i], cursor, name_length) == 0) {
                snprintf (reason, GATEWAY_CURSOR_REASON_SIZE, "the source %.*s is named twice",
                          (int)name_length, cursor);
                return -1;
            }
        names[entries] = cursor;
        name_lengths[entries] = name_length;
        slots[entries] = cursor_slot (self, cursor, name_length);
        positions[entries] = seq;
        entries++;
        if (*end == '\0')
            break;
        cursor = end + 1;
    }
    for (size_t i = 0; i < entries; i++)
        if (slots[i] >= 0)
            gateway_cursor_set (self, (size_t)slots[i], positions[i]);
    return 0;
}

void
gateway_cursor_append (const gateway_cursor_t *self, kefu_strbuf_t *out)
{
    bool first = true;
    for (size_t i = 0; i < self->count; i++) {
        size_t slot = self->order[i];
        if (!self->known[slot])
            continue;
        kefu_strbuf_appendf (out, "%s%s:%" PRIu64, first ? "" : ",", self->names[slot],
                             self->positions[slot]);
        first = false;
    }
}

size_t
gateway_cursor_count (const gateway_cursor_t *self)
{
    return self->count;
}

bool
gateway_cursor_known (const gateway_cursor_t *self, size_t source)
{
    assert (source < self->count);
    return self->known[source];
}

uint64_t
gateway_cursor_position (const gateway_cursor_t *self, size_t source)
{
    assert (source < self->count);
    return self->known[source] ? self->positions[source] : 0;
}

void
gateway_cursor_set (gateway_cursor_t *self, size_t source, uint64_t seq)
{
    assert (source < self->count);
    self->positions[source] = seq;
    self->known[source] = true;
}
