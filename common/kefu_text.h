/*  kefu_text: checks on text that comes from outside.
 *
 *  Every string field a service accepts is checked here before it reaches
 *  PostgreSQL: valid UTF-8 (PostgreSQL would refuse it later with an error
 *  that looks internal), no control characters except where the field is
 *  free text, and a bound counted in characters, not bytes, since Chinese
 *  text is three bytes a character.
 */
#ifndef KEFU_TEXT_H_INCLUDED
#define KEFU_TEXT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    KEFU_TEXT_LINE,         /* one line: no control characters at all */
    KEFU_TEXT_MULTILINE     /* free text: tab, newline and carriage return allowed */
} kefu_text_kind_t;

/*  True if `text` is well-formed UTF-8 (no overlongs, no surrogates, at
 *  most U+10FFFF). */
bool kefu_text_valid_utf8 (const char *text);

/*  Number of code points in valid UTF-8 `text`. */
size_t kefu_text_length (const char *text);

/*  Check `text` for a field: UTF-8, allowed characters, at most
 *  `max_chars` characters and, if `required`, at least one non-space one.
 *  Returns NULL if fine, else a static reason ("is required", ...). */
const char *kefu_text_check (const char *text, kefu_text_kind_t kind, size_t max_chars, bool required);

/*  A service name (also its schema and the source of its events): a-z,
 *  then a-z 0-9 _, at most KEFU_TEXT_SERVICE_NAME_MAX characters. */
enum { KEFU_TEXT_SERVICE_NAME_MAX = 32 };
bool kefu_text_service_name_valid (const char *name, size_t length);

/*  An identifier (a staff number, a key id): 1 to `max_chars` characters
 *  of A-Z a-z 0-9 _ -, the first `length` bytes of `text`. */
bool kefu_text_identifier_valid (const char *text, size_t length, size_t max_chars);

/*  Walk a comma-separated configuration list ("tickets, webhooks"): give
 *  the next item in *item / *length with surrounding spaces trimmed,
 *  skipping empty items, and advance *cursor (which starts at the list).
 *  Returns false when there is no item left. Nothing is copied. */
bool kefu_text_list_next (const char **cursor, const char **item, size_t *length);

/*  True if `text` equals one of the NULL-terminated `choices`. */
bool kefu_text_one_of (const char *text, const char *const *choices);

#endif
