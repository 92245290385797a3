/*  kefu_log: structured logging, one JSON object per line on stderr.
 *
 *  Every line carries the time, the level, the service name and an event
 *  name, then key/value string pairs given by the caller:
 *
 *      kefu_log_info ("service.bound", "endpoint", "tcp://127.0.0.1:5551", NULL);
 *
 *  Values are JSON-escaped here, so callers never build JSON by hand. The
 *  level comes from KEFU_LOG_LEVEL; a call below it formats nothing. Never
 *  pass a secret (a key, a password, a DSN with a password) as a value.
 */
#ifndef KEFU_LOG_H_INCLUDED
#define KEFU_LOG_H_INCLUDED

#include <stdbool.h>

typedef enum {
    KEFU_LOG_DEBUG = 0,
    KEFU_LOG_INFO = 1,
    KEFU_LOG_WARN = 2,
    KEFU_LOG_ERROR = 3
} kefu_log_level_t;

/*  Set the service name and the level ("debug", "info", "warn", "error").
 *  Returns 0, or -1 if the level is not one of these (the level is then
 *  left unchanged). Call once at start, before any thread is created. */
int kefu_log_init (const char *service, const char *level);

/*  True if a line at this level would be written. */
bool kefu_log_enabled (kefu_log_level_t level);

/*  Write one line: event name, then NULL-terminated key/value pairs. */
void kefu_log_write (kefu_log_level_t level, const char *event, ...);

#define kefu_log_debug(...) \
    do { if (kefu_log_enabled (KEFU_LOG_DEBUG)) kefu_log_write (KEFU_LOG_DEBUG, __VA_ARGS__); } while (0)
#define kefu_log_info(...) \
    do { if (kefu_log_enabled (KEFU_LOG_INFO)) kefu_log_write (KEFU_LOG_INFO, __VA_ARGS__); } while (0)
#define kefu_log_warn(...) \
    do { if (kefu_log_enabled (KEFU_LOG_WARN)) kefu_log_write (KEFU_LOG_WARN, __VA_ARGS__); } while (0)
#define kefu_log_error(...) \
    do { if (kefu_log_enabled (KEFU_LOG_ERROR)) kefu_log_write (KEFU_LOG_ERROR, __VA_ARGS__); } while (0)

#endif
