/*  kefu_csv: fields of a CSV document (RFC 4180), for exports a service
 *  answers with as a kefu.v1.Document.
 *
 *  A field is quoted when it holds a comma, a double quote, CR or LF (its
 *  quotes doubled), so any text survives a round trip through a CSV
 *  reader. A field starting with = + - @ (or a tab or CR) would be run as
 *  a formula by a spreadsheet opening the export (CSV injection), so it is
 *  prefixed with an apostrophe and quoted: the reader sees the text,
 *  marked. The attendance and roster exports both write their fields here.
 */
#ifndef KEFU_CSV_H_INCLUDED
#define KEFU_CSV_H_INCLUDED

#include "kefu_strbuf.h"

#include <stdint.h>

/*  Append `text` as one field, preceded by a comma unless `first`. */
void kefu_csv_field (kefu_strbuf_t *out, const char *text, bool first);

/*  Append an integer field, preceded by a comma unless `first`. */
void kefu_csv_number (kefu_strbuf_t *out, int64_t value, bool first);

/*  End a record (CRLF, as RFC 4180 says). */
void kefu_csv_end_record (kefu_strbuf_t *out);

#endif
