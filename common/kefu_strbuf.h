/*  kefu_strbuf: a growable byte buffer for building strings.
 *
 *  Used on the stack (init / release) wherever text is assembled: log lines,
 *  JSON, SQL parameter text. An allocation failure is sticky: later appends do
 *  nothing and kefu_strbuf_ok() turns false, so callers check once at the end.
 */
#ifndef KEFU_STRBUF_H_INCLUDED
#define KEFU_STRBUF_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    /* private */
    char *data;
    size_t length;
    size_t capacity;
    bool failed;
} kefu_strbuf_t;

void kefu_strbuf_init (kefu_strbuf_t *self);
void kefu_strbuf_release (kefu_strbuf_t *self);
void kefu_strbuf_reset (kefu_strbuf_t *self);

void kefu_strbuf_append (kefu_strbuf_t *self, const char *text);
void kefu_strbuf_append_bytes (kefu_strbuf_t *self, const void *bytes, size_t size);
void kefu_strbuf_appendf (kefu_strbuf_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

/*  Append `text` as a quoted JSON string, escaping what RFC 8259 requires.
 *  Bytes are copied as they are otherwise (UTF-8 passes through). */
void kefu_strbuf_append_json_string (kefu_strbuf_t *self, const char *text);

bool kefu_strbuf_ok (const kefu_strbuf_t *self);
/*  The text so far, always NUL-terminated ("" when empty); borrowed. */
const char *kefu_strbuf_data (const kefu_strbuf_t *self);
size_t kefu_strbuf_length (const kefu_strbuf_t *self);

/*  Hand the text over to the caller (free it); the buffer is left empty.
 *  Returns NULL if an append failed. */
char *kefu_strbuf_detach (kefu_strbuf_t *self);

#endif
