/*  kefu_config: configuration from KEFU_* environment variables.
 *
 *  One declarative table (kefu_config.c) names every variable kefu reads,
 *  with its type, default, bounds and description; the README's
 *  configuration section is checked against it by a unit test. A value is
 *  validated once, at start, so a typo stops the process with a clear message
 *  instead of surfacing hours later. Secrets may come from a file instead:
 *  for a secret NAME, NAME_FILE names a file holding the value. Secrets are
 *  never logged.
 */
#ifndef KEFU_CONFIG_H_INCLUDED
#define KEFU_CONFIG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    KEFU_CONFIG_STRING,
    KEFU_CONFIG_INT,
    KEFU_CONFIG_BOOL
} kefu_config_type_t;

typedef struct {
    const char *name;
    kefu_config_type_t type;
    const char *default_value;
    long long min;              /* KEFU_CONFIG_INT only */
    long long max;
    bool secret;                /* never logged; may come from NAME_FILE */
    const char *description;
} kefu_config_entry_t;

typedef struct _kefu_config_t kefu_config_t;

/*  Where values come from: getenv in production, a table in tests. */
typedef const char *(kefu_config_lookup_fn) (const char *name, void *arg);

/*  The table of every variable; *count is set to its length. */
const kefu_config_entry_t *kefu_config_table (size_t *count);

/*  Read and validate every variable from the environment. Returns NULL on
 *  failure with *error set to a message the caller frees. */
kefu_config_t *kefu_config_new (char **error);

/*  The same, reading values through `lookup`. */
kefu_config_t *kefu_config_new_with (kefu_config_lookup_fn *lookup, void *arg, char **error);

void kefu_config_destroy (kefu_config_t **self_p);

/*  Typed values. Asking for a name that is not in the table, or with the
 *  wrong type, is a programmer error and aborts. Strings are borrowed. */
const char *kefu_config_string (kefu_config_t *self, const char *name);
long long kefu_config_int (kefu_config_t *self, const char *name);
bool kefu_config_bool (kefu_config_t *self, const char *name);

/*  The DSN of a service: KEFU_<SERVICE>_DSN if set, else KEFU_DATABASE_URL.
 *  Borrowed. */
const char *kefu_config_service_dsn (kefu_config_t *self, const char *service);

/*  A per-service variable, "KEFU_<SERVICE>_<suffix>", e.g. ("tickets",
 *  "BIND"). A service without rows in the table (a test's) gets NULL, or
 *  `fallback` for an integer. Strings are borrowed. */
const char *kefu_config_service_string (kefu_config_t *self, const char *service, const char *suffix);
long long kefu_config_service_int (kefu_config_t *self, const char *service, const char *suffix,
                                   long long fallback);

#endif
