/*  scheduling_roster_export: one person's month of a roster as a document,
 *  CSV (RFC 4180) or iCalendar (RFC 5545), for GET
 *  /v1/rosters/{id}/staff/{staff_no}/shifts.csv and .ics.
 *
 *  CSV: a header row, then one row per shift, CRLF line ends, fields
 *  quoted when they hold a comma, a quote or a line break; a text field
 *  starting with = + - @ gets a leading apostrophe, so a spreadsheet shows
 *  it rather than evaluating it (a name is data, never a formula).
 *
 *  iCalendar: one VEVENT per shift, DTSTART/DTEND in UTC (no VTIMEZONE
 *  needed: every calendar shows them in its own zone), UID stable per shift
 *  so a re-import updates rather than duplicates, SEQUENCE the shift's
 *  version, STATUS TENTATIVE for a draft and CONFIRMED once published;
 *  lines end in CRLF and are folded at 75 octets, never inside a UTF-8
 *  character; text values are escaped (\\ \; \, \n).
 *
 *  Pure functions: the unit test and the e2e test (Python's csv module and
 *  the icalendar package) parse what they make.
 */
#ifndef SCHEDULING_ROSTER_EXPORT_H_INCLUDED
#define SCHEDULING_ROSTER_EXPORT_H_INCLUDED

#include "kefu_tz.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *staff_no;
    const char *staff_name;
    const char *site_code;
    const char *month;   /* "YYYY-MM" */
    const kefu_tz_t *tz; /* the site's zone, for the CSV's local times */
    bool published;
    int64_t stamp_ms; /* when the document is made: DTSTAMP */
} scheduling_export_header_t;

typedef struct {
    int64_t id;
    const char *day; /* "YYYY-MM-DD", the local day assigned */
    const char *template_code;
    const char *template_name;
    int64_t starts_ms;
    int64_t ends_ms;
    int32_t version;
} scheduling_export_shift_t;

/*  The document's text, the caller's to free (NULL when out of memory);
 *  *length its bytes. */
char *scheduling_export_csv (const scheduling_export_header_t *header,
                             const scheduling_export_shift_t *shifts, size_t count, size_t *length);
char *scheduling_export_ical (const scheduling_export_header_t *header,
                              const scheduling_export_shift_t *shifts, size_t count,
                              size_t *length);

#endif
