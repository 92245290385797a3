/*  kefu_csv: CSV fields, quoted and guarded against formulas. See
 *  kefu_csv.h.
 */
#include "kefu_csv.h"

#include <inttypes.h>
#include <string.h>

/*  First characters a spreadsheet takes as the start of a formula. */
static const char FORMULA_STARTS[] = "=+-@\t\r";

void
kefu_csv_field (kefu_strbuf_t *out, const char *text, bool first)
{
    if (!first)
        kefu_strbuf_append (out, ",");
    bool formula = text[0] != '\0' && strchr (FORMULA_STARTS, text[0]) != NULL;
    /*  A marked field is quoted as well (OWASP's advice for CSV injection),
     *  so the apostrophe and the text after it stay one cell to any reader. */
    bool quoted = formula || strpbrk (text, ",\"\r\n") != NULL;
    if (quoted)
        kefu_strbuf_append (out, "\"");
    if (formula)
        kefu_strbuf_append (out, "'");
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            kefu_strbuf_append (out, "\"\"");
        else
            kefu_strbuf_append_bytes (out, p, 1);
    }
    if (quoted)
        kefu_strbuf_append (out, "\"");
}

void
kefu_csv_number (kefu_strbuf_t *out, int64_t value, bool first)
{
    kefu_strbuf_appendf (out, first ? "%" PRId64 : ",%" PRId64, value);
}

void
kefu_csv_end_record (kefu_strbuf_t *out)
{
    kefu_strbuf_append (out, "\r\n");
}
