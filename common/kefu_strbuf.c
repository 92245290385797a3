/*  kefu_strbuf: growable string buffer. See kefu_strbuf.h. */
#include "kefu_strbuf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { STRBUF_INITIAL_CAPACITY = 256 };

void
kefu_strbuf_init (kefu_strbuf_t *self)
{
    memset (self, 0, sizeof *self);
}

void
kefu_strbuf_release (kefu_strbuf_t *self)
{
    free (self->data);
    memset (self, 0, sizeof *self);
}

void
kefu_strbuf_reset (kefu_strbuf_t *self)
{
    self->length = 0;
    self->failed = false;
    if (self->data)
        self->data[0] = '\0';
}

/*  Make room for `extra` more bytes plus the terminating NUL. */
static bool
strbuf_reserve (kefu_strbuf_t *self, size_t extra)
{
    if (self->failed)
        return false;
    if (self->length + extra + 1 <= self->capacity)
        return true;
    size_t capacity = self->capacity ? self->capacity : STRBUF_INITIAL_CAPACITY;
    while (capacity < self->length + extra + 1) {
        if (capacity > ((size_t) -1) / 2) {
            self->failed = true;
            return false;
        }
        capacity *= 2;
    }
    char *data = realloc (self->data, capacity);
    if (!data) {
        self->failed = true;
        return false;
    }
    self->data = data;
    self->capacity = capacity;
    return true;
}

void
kefu_strbuf_append_bytes (kefu_strbuf_t *self, const void *bytes, size_t size)
{
    if (!strbuf_reserve (self, size))
        return;
    if (size)
        memcpy (self->data + self->length, bytes, size);
    self->length += size;
    self->data[self->length] = '\0';
}

void
kefu_strbuf_append (kefu_strbuf_t *self, const char *text)
{
    kefu_strbuf_append_bytes (self, text, strlen (text));
}

void
kefu_strbuf_appendf (kefu_strbuf_t *self, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int needed = vsnprintf (NULL, 0, format, args);
    va_end (args);
    if (needed < 0 || !strbuf_reserve (self, (size_t) needed)) {
        self->failed = true;
        return;
    }
    va_start (args, format);
    vsnprintf (self->data + self->length, (size_t) needed + 1, format, args);
    va_end (args);
    self->length += (size_t) needed;
}

void
kefu_strbuf_append_json_string (kefu_strbuf_t *self, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    kefu_strbuf_append_bytes (self, "\"", 1);
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        switch (*p) {
            case '"':  kefu_strbuf_append_bytes (self, "\\\"", 2); break;
            case '\\': kefu_strbuf_append_bytes (self, "\\\\", 2); break;
            case '\n': kefu_strbuf_append_bytes (self, "\\n", 2); break;
            case '\r': kefu_strbuf_append_bytes (self, "\\r", 2); break;
            case '\t': kefu_strbuf_append_bytes (self, "\\t", 2); break;
            default:
                if (*p < 0x20) {
                    char escape[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0xf] };
                    kefu_strbuf_append_bytes (self, escape, sizeof escape);
                }
                else
                    kefu_strbuf_append_bytes (self, p, 1);
        }
    }
    kefu_strbuf_append_bytes (self, "\"", 1);
}

bool
kefu_strbuf_ok (const kefu_strbuf_t *self)
{
    return !self->failed;
}

const char *
kefu_strbuf_data (const kefu_strbuf_t *self)
{
    return self->data ? self->data : "";
}

size_t
kefu_strbuf_length (const kefu_strbuf_t *self)
{
    return self->length;
}

char *
kefu_strbuf_detach (kefu_strbuf_t *self)
{
    char *data = NULL;
    if (!self->failed)
        data = self->data ? self->data : strdup ("");
    else
        free (self->data);
    memset (self, 0, sizeof *self);
    return data;
}
