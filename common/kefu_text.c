/*  kefu_text: UTF-8 validation and field checks. See kefu_text.h. */
#include "kefu_text.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

bool
kefu_text_valid_utf8 (const char *text)
{
    const unsigned char *p = (const unsigned char *) text;
    while (*p) {
        uint32_t code;
        int extra;
        if (*p < 0x80) { p++; continue; }
        else if ((*p & 0xE0) == 0xC0) { code = *p & 0x1F; extra = 1; }
        else if ((*p & 0xF0) == 0xE0) { code = *p & 0x0F; extra = 2; }
        else if ((*p & 0xF8) == 0xF0) { code = *p & 0x07; extra = 3; }
        else return false;
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return false;
            code = (code << 6) | (*p & 0x3F);
        }
        static const uint32_t smallest[] = { 0, 0x80, 0x800, 0x10000 };
        if (code < smallest[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return false;
    }
    return true;
}

size_t
kefu_text_length (const char *text)
{
    size_t count = 0;
    for (const unsigned char *p = (const unsigned char *) text; *p; p++)
        if ((*p & 0xC0) != 0x80)
            count++;
    return count;
}

const char *
kefu_text_check (const char *text, kefu_text_kind_t kind, size_t max_chars, bool required)
{
    if (!text)
        text = "";
    if (!kefu_text_valid_utf8 (text))
        return "is not valid UTF-8";
    bool visible = false;
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        bool allowed_control = kind == KEFU_TEXT_MULTILINE && (*p == '\t' || *p == '\n' || *p == '\r');
        if ((*p < 0x20 || *p == 0x7F) && !allowed_control)
            return "contains a control character";
        if (*p != ' ' && !allowed_control)
            visible = true;
    }
    if (required && !visible)
        return "is required";
    if (kefu_text_length (text) > max_chars)
        return "is too long";
    return NULL;
}

bool
kefu_text_one_of (const char *text, const char *const *choices)
{
    for (; *choices; choices++)
        if (strcmp (text, *choices) == 0)
            return true;
    return false;
}

bool
kefu_text_service_name_valid (const char *name, size_t length)
{
    if (length == 0 || length > KEFU_TEXT_SERVICE_NAME_MAX || name[0] < 'a' || name[0] > 'z')
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

bool
kefu_text_identifier_valid (const char *text, size_t length, size_t max_chars)
{
    if (length == 0 || length > max_chars)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool
kefu_text_list_next (const char **cursor, const char **item, size_t *length)
{
    while (**cursor) {
        const char *end = strchr (*cursor, ',');
        if (!end)
            end = *cursor + strlen (*cursor);
        const char *first = *cursor, *last = end;
        *cursor = *end ? end + 1 : end;
        while (first < last && isspace ((unsigned char) *first))
            first++;
        while (last > first && isspace ((unsigned char) last[-1]))
            last--;
        if (last > first) {
            *item = first;
            *length = (size_t) (last - first);
            return true;
        }
    }
    return false;
}
