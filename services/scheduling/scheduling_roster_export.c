/*  scheduling_roster_export: CSV and iCalendar of one person's roster. See
 *  scheduling_roster_export.h.
 */
#include "scheduling_roster_export.h"
#include "scheduling_roster_rules.h"

#include "kefu_csv.h"
#include "kefu_strbuf.h"
#include "kefu_time.h"

#include <stdio.h>
#include <string.h>

enum {
    /*  RFC 5545 §3.1: content lines are folded at 75 octets. */
    ICAL_LINE_OCTETS = 75,
    /*  "20260329T000000Z" and its NUL. */
    ICAL_TIME_SIZE = 17
};

static const char CRLF[] = "\r\n";

char *
scheduling_export_csv (const scheduling_export_header_t *header,
                       const scheduling_export_shift_t *shifts, size_t count, size_t *length)
{
    kefu_strbuf_t out;
    kefu_strbuf_init (&out);
    kefu_strbuf_append (&out,
                        "staff_no,name,site,date,template,template_name,local_start,local_end,"
                        "starts_at,ends_at,zone,status\r\n");
    for (size_t i = 0; i < count; i++) {
        const scheduling_export_shift_t *shift = &shifts[i];
        char local_start[SCHEDULING_LOCAL_TEXT_SIZE], local_end[SCHEDULING_LOCAL_TEXT_SIZE];
        char starts_at[KEFU_TIME_TEXT_SIZE], ends_at[KEFU_TIME_TEXT_SIZE];
        scheduling_local_format (header->tz, shift->starts_ms, local_start);
        scheduling_local_format (header->tz, shift->ends_ms, local_end);
        kefu_time_format_rfc3339 (shift->starts_ms, starts_at);
        kefu_time_format_rfc3339 (shift->ends_ms, ends_at);
        kefu_csv_field (&out, header->staff_no, true);
        kefu_csv_field (&out, header->staff_name, false);
        kefu_csv_field (&out, header->site_code, false);
        kefu_csv_field (&out, shift->day, false);
        kefu_csv_field (&out, shift->template_code, false);
        kefu_csv_field (&out, shift->template_name, false);
        kefu_csv_field (&out, local_start, false);
        kefu_csv_field (&out, local_end, false);
        kefu_csv_field (&out, starts_at, false);
        kefu_csv_field (&out, ends_at, false);
        kefu_csv_field (&out, kefu_tz_name (header->tz), false);
        kefu_csv_field (&out, header->published ? "published" : "draft", false);
        kefu_csv_end_record (&out);
    }
    *length = kefu_strbuf_length (&out);
    return kefu_strbuf_detach (&out);
}

/*  A content line folded at 75 octets: a CRLF and a space before the
 *  octet that would pass it, never between the bytes of one UTF-8
 *  character (RFC 5545 §3.1). */
static void
ical_line (kefu_strbuf_t *out, const char *line)
{
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)line; *p;) {
        size_t width = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 1;
        for (size_t k = 1; k < width; k++)
            if (p[k] == '\0') {
                width = k;
                break;
            }
        if (used + width > ICAL_LINE_OCTETS) {
            kefu_strbuf_append (out, "\r\n ");
            used = 1;
        }
        kefu_strbuf_append_bytes (out, p, width);
        used += width;
        p += width;
    }
    kefu_strbuf_append (out, CRLF);
}

/*  TEXT values escape backslash, semicolon, comma and line breaks
 *  (RFC 5545 §3.3.11). */
static void
ical_escape (kefu_strbuf_t *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\\' || *p == ';' || *p == ',') {
            char escaped[] = {'\\', *p, '\0'};
            kefu_strbuf_append (out, escaped);
        } else if (*p == '\n')
            kefu_strbuf_append (out, "\\n");
        else if (*p != '\r')
            kefu_strbuf_append_bytes (out, p, 1);
    }
}

/*  A UTC DATE-TIME, "20260329T000000Z". */
static void
ical_time (int64_t unix_ms, char out[ICAL_TIME_SIZE])
{
    char text[KEFU_TIME_TEXT_SIZE];
    kefu_time_format_rfc3339 (unix_ms, text);
    /*  "2026-03-29T00:00:00.000Z" */
    snprintf (out, ICAL_TIME_SIZE, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", text, text + 5, text + 8,
              text + 11, text + 14, text + 17);
}

/*  Build one property "NAME:value" (value escaped when `text`) and
 *  append it folded. */
static void
ical_property (kefu_strbuf_t *out, kefu_strbuf_t *line, const char *name, const char *value,
               bool text)
{
    kefu_strbuf_reset (line);
    kefu_strbuf_append (line, name);
    kefu_strbuf_append (line, ":");
    if (text)
        ical_escape (line, value);
    else
        kefu_strbuf_append (line, value);
    ical_line (out, kefu_strbuf_data (line));
}

char *
scheduling_export_ical (const scheduling_export_header_t *header,
                        const scheduling_export_shift_t *shifts, size_t count, size_t *length)
{
    kefu_strbuf_t out, line, value;
    kefu_strbuf_init (&out);
    kefu_strbuf_init (&line);
    kefu_strbuf_init (&value);
    char stamp[ICAL_TIME_SIZE];
    ical_time (header->stamp_ms, stamp);
    ical_property (&out, &line, "BEGIN", "VCALENDAR", false);
    ical_property (&out, &line, "VERSION", "2.0", false);
    ical_property (&out, &line, "PRODID", "-//kefu//rosters//EN", false);
    ical_property (&out, &line, "CALSCALE", "GREGORIAN", false);
    ical_property (&out, &line, "METHOD", "PUBLISH", false);
    kefu_strbuf_reset (&value);
    kefu_strbuf_appendf (&value, "%s %s %s %s", header->staff_no, header->staff_name,
                         header->site_code, header->month);
    ical_property (&out, &line, "X-WR-CALNAME", kefu_strbuf_data (&value), true);
    for (size_t i = 0; i < count; i++) {
        const scheduling_export_shift_t *shift = &shifts[i];
        char starts[ICAL_TIME_SIZE], ends[ICAL_TIME_SIZE], number[24];
        ical_time (shift->starts_ms, starts);
        ical_time (shift->ends_ms, ends);
        ical_property (&out, &line, "BEGIN", "VEVENT", false);
        kefu_strbuf_reset (&value);
        kefu_strbuf_appendf (&value, "kefu-shift-%lld@%s", (long long)shift->id, header->site_code);
        ical_property (&out, &line, "UID", kefu_strbuf_data (&value), false);
        ical_property (&out, &line, "DTSTAMP", stamp, false);
        ical_property (&out, &line, "DTSTART", starts, false);
        ical_property (&out, &line, "DTEND", ends, false);
        snprintf (number, sizeof number, "%d", shift->version > 0 ? shift->version - 1 : 0);
        ical_property (&out, &line, "SEQUENCE", number, false);
        kefu_strbuf_reset (&value);
        kefu_strbuf_appendf (&value, "%s (%s)", shift->template_name, shift->template_code);
        ical_property (&out, &line, "SUMMARY", kefu_strbuf_data (&value), true);
        kefu_strbuf_reset (&value);
        kefu_strbuf_appendf (&value, "%s %s, %s shift of %s at site %s (%s)", header->staff_no,
                             header->staff_name, shift->template_name, shift->day,
                             header->site_code, kefu_tz_name (header->tz));
        ical_property (&out, &line, "DESCRIPTION", kefu_strbuf_data (&value), true);
        ical_property (&out, &line, "LOCATION", header->site_code, true);
        ical_property (&out, &line, "STATUS", header->published ? "CONFIRMED" : "TENTATIVE", false);
        ical_property (&out, &line, "TRANSP", "OPAQUE", false);
        ical_property (&out, &line, "END", "VEVENT", false);
    }
    ical_property (&out, &line, "END", "VCALENDAR", false);
    bool ok = kefu_strbuf_ok (&line) && kefu_strbuf_ok (&value);
    kefu_strbuf_release (&line);
    kefu_strbuf_release (&value);
    if (!ok) {
        kefu_strbuf_release (&out);
        return NULL;
    }
    *length = kefu_strbuf_length (&out);
    return kefu_strbuf_detach (&out);
}
