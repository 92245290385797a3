/*  kefu_log: structured JSON-lines logging to stderr. See kefu_log.h.
 *
 *  A line is assembled in a local buffer and written with one write(2), so
 *  lines from several threads never interleave.
 */
#include "kefu_log.h"
#include "kefu_strbuf.h"
#include "kefu_time.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = { "debug", "info", "warn", "error" };
static atomic_int log_level = KEFU_LOG_INFO;
static char log_service[64] = "kefu";

int
kefu_log_init (const char *service, const char *level)
{
    if (service) {
        strncpy (log_service, service, sizeof log_service - 1);
        log_service[sizeof log_service - 1] = '\0';
    }
    if (!level || !*level)
        return 0;
    for (int i = 0; i < (int) (sizeof level_names / sizeof level_names[0]); i++)
        if (strcmp (level, level_names[i]) == 0) {
            atomic_store (&log_level, i);
            return 0;
        }
    return -1;
}

bool
kefu_log_enabled (kefu_log_level_t level)
{
    return (int) level >= atomic_load (&log_level);
}

void
kefu_log_write (kefu_log_level_t level, const char *event, ...)
{
    /*  The real clock, not kefu_time_now_ms: a test driving time must not
     *  make the logs lie. */
    char stamp[KEFU_TIME_TEXT_SIZE];
    kefu_time_format_rfc3339 (kefu_time_real_ms (), stamp);

    kefu_strbuf_t line;
    kefu_strbuf_init (&line);
    kefu_strbuf_append (&line, "{\"time\":\"");
    kefu_strbuf_append (&line, stamp);
    kefu_strbuf_append (&line, "\",\"level\":\"");
    kefu_strbuf_append (&line, level_names[level]);
    kefu_strbuf_append (&line, "\",\"service\":");
    kefu_strbuf_append_json_string (&line, log_service);
    kefu_strbuf_append (&line, ",\"event\":");
    kefu_strbuf_append_json_string (&line, event ? event : "");

    va_list args;
    va_start (args, event);
    const char *key;
    while ((key = va_arg (args, const char *)) != NULL) {
        const char *value = va_arg (args, const char *);
        kefu_strbuf_append (&line, ",");
        kefu_strbuf_append_json_string (&line, key);
        kefu_strbuf_append (&line, ":");
        kefu_strbuf_append_json_string (&line, value ? value : "");
    }
    va_end (args);
    kefu_strbuf_append (&line, "}\n");

    if (kefu_strbuf_ok (&line)) {
        ssize_t rc = write (STDERR_FILENO, kefu_strbuf_data (&line), kefu_strbuf_length (&line));
        (void) rc;      /* nowhere left to report a failed log write */
    }
    kefu_strbuf_release (&line);
}
