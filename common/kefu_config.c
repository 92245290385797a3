/*  kefu_config: the table of every KEFU_* variable, and its loader.
 *
 *  To add a variable: add a row here, read it with kefu_config_string/int/
 *  bool, and document it in the README (tests/unit/test_config.c fails until
 *  the README names it).
 */
#include "kefu_config.h"
#include "kefu_strbuf.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Secrets read from a file are bounded: a key list, not a database dump. */
enum { CONFIG_SECRET_FILE_MAX = 64 * 1024 };

#define SERVICE_ENTRIES(UPPER, lower, port)                                                 \
    { "KEFU_" UPPER "_BIND", KEFU_CONFIG_STRING, "tcp://127.0.0.1:" #port, 0, 0, false,      \
      "ZeroMQ endpoint the " lower " service binds its ROUTER to" },                         \
    { "KEFU_" UPPER "_ENDPOINT", KEFU_CONFIG_STRING, "tcp://127.0.0.1:" #port, 0, 0, false,  \
      "Where callers reach the " lower " service; comma-separated for several replicas" },   \
    { "KEFU_" UPPER "_DSN", KEFU_CONFIG_STRING, "", 0, 0, true,                              \
      "PostgreSQL connection string of the " lower " service (else KEFU_DATABASE_URL)" },    \
    { "KEFU_" UPPER "_WORKERS", KEFU_CONFIG_INT, "4", 1, 64, false,                          \
      "Worker threads (each with its own database connection) in the " lower " service" }

static const kefu_config_entry_t config_table[] = {
    { "KEFU_LOG_LEVEL", KEFU_CONFIG_STRING, "info", 0, 0, false,
      "Log level: debug, info, warn or error" },
    { "KEFU_CLOCK_FILE", KEFU_CONFIG_STRING, "", 0, 0, false,
      "Tests only: a file holding a clock offset in milliseconds (see common/kefu_time.h)" },
    { "KEFU_DATABASE_URL", KEFU_CONFIG_STRING, "host=127.0.0.1 port=5432 dbname=kefu", 0, 0, true,
      "Default PostgreSQL connection string (libpq keyword/value or URI)" },
    { "KEFU_DB_CONNECT_TIMEOUT_MS", KEFU_CONFIG_INT, "30000", 0, 600000, false,
      "How long a service keeps retrying its first database connection at start" },
    { "KEFU_REQUEST_TIMEOUT_MS", KEFU_CONFIG_INT, "5000", 100, 120000, false,
      "Deadline the gateway gives each request to a service (then 504)" },
    { "KEFU_HTTP_BIND", KEFU_CONFIG_STRING, "127.0.0.1", 0, 0, false,
      "Address the gateway's HTTP server listens on" },
    { "KEFU_HTTP_PORT", KEFU_CONFIG_INT, "8080", 0, 65535, false,
      "Port of the gateway's HTTP server (0 = any free port)" },
    { "KEFU_HTTP_MAX_BODY", KEFU_CONFIG_INT, "65536", 1024, 16777216, false,
      "Largest request body the gateway accepts, in bytes (then 413)" },
    { "KEFU_HTTP_MAX_CONNECTIONS", KEFU_CONFIG_INT, "4096", 16, 65536, false,
      "Concurrent HTTP connections the gateway accepts" },
    { "KEFU_API_KEYS", KEFU_CONFIG_STRING, "", 0, 0, true,
      "API keys, comma-separated name:role:staff_id:secret entries" },
    { "KEFU_GATEWAY_SERVICES", KEFU_CONFIG_STRING, "tickets,webhooks,scheduling", 0, 0, false,
      "Services the gateway routes to and checks in /readyz, comma-separated" },
    { "KEFU_BUS_XSUB", KEFU_CONFIG_STRING, "tcp://127.0.0.1:5560", 0, 0, false,
      "Event bus input: where publishers connect (the gateway binds it); empty = no bus" },
    { "KEFU_BUS_XPUB", KEFU_CONFIG_STRING, "tcp://127.0.0.1:5561", 0, 0, false,
      "Event bus output: where subscribers connect (the gateway binds it)" },
    { "KEFU_SSE_RETRY_MS", KEFU_CONFIG_INT, "2000", 0, 3600000, false,
      "Reconnection delay the gateway's SSE streams ask clients for (the retry: field)" },
    { "KEFU_SSE_HEARTBEAT_MS", KEFU_CONFIG_INT, "15000", 100, 3600000, false,
      "A quiet SSE stream gets a comment line this often, so proxies keep it open" },
    { "KEFU_SSE_BUFFER_BYTES", KEFU_CONFIG_INT, "1048576", 1024, 268435456, false,
      "Unsent SSE text kept per client, and as much of events held for it; past both it is closed (slow-consumer)" },
    { "KEFU_SSE_MAX_CLIENTS", KEFU_CONFIG_INT, "1000", 1, 65536, false,
      "Concurrent SSE streams the gateway serves (then 503)" },
    { "KEFU_PUBLISH_BATCH", KEFU_CONFIG_INT, "500", 1, 10000, false,
      "Most outbox events a publisher numbers in one statement" },
    { "KEFU_PUBLISH_POLL_MS", KEFU_CONFIG_INT, "100", 5, 10000, false,
      "How often a publisher looks for events held back by a long transaction" },
    SERVICE_ENTRIES ("TICKETS", "tickets", 5551),
    { "KEFU_TICKETS_SLA_SCAN_MS", KEFU_CONFIG_INT, "1000", 10, 600000, false,
      "How often the tickets service's SLA engine looks for deadlines and escalations that came due" },
    { "KEFU_ZONEINFO_DIR", KEFU_CONFIG_STRING, "/usr/share/zoneinfo", 0, 0, false,
      "Directory of the IANA time zone files (TZif) business calendars are computed in" },
    SERVICE_ENTRIES ("WEBHOOKS", "webhooks", 5556),
    SERVICE_ENTRIES ("SCHEDULING", "scheduling", 5554),
    { "KEFU_SCHEDULING_TICK_MS", KEFU_CONFIG_INT, "1000", 10, 600000, false,
      "How often the scheduling service applies its timed rules (overdue handovers, undecided leave, absences, report reminders)" },
    { "KEFU_ATTENDANCE_VIOLATION_MIN", KEFU_CONFIG_INT, "20", 1, 240, false,
      "scheduling: lateness or absence from post this many minutes or more without leave is a violation; no clock-in by then is an absence (SCH-6)" },
    { "KEFU_ATTENDANCE_ZONE", KEFU_CONFIG_STRING, "Asia/Shanghai", 0, 0, false,
      "scheduling: IANA zone of attendance report months and of the report reminder on the 25th (SCH-6)" },
    { "KEFU_HANDOVER_OVERDUE_MIN", KEFU_CONFIG_INT, "30", 1, 1440, false,
      "Minutes past the outgoing shift's end after which an unaccepted handover raises handover.overdue (SCH-7)" },
    { "KEFU_SCHEDULING_COMPLAINTS_SOURCE", KEFU_CONFIG_STRING, "tickets", 0, 0, false,
      "Service whose ticket.created events scheduling records for the security-desk handover; empty = none" },
    { "KEFU_SESSION_SIGNING_KEYS", KEFU_CONFIG_STRING, "", 0, 0, true,
      "scheduling: Ed25519 session-token keys, comma-separated kid:seed-hex (64 hex digits); the first signs" },
    { "KEFU_SESSION_PUBLIC_KEYS", KEFU_CONFIG_STRING, "", 0, 0, false,
      "gateway: public keys verifying session tokens, comma-separated kid:public-hex; empty = API keys only" },
    { "KEFU_API_KEY_CACHE_S", KEFU_CONFIG_INT, "30", 0, 3600, false,
      "gateway: how long an API key resolved by scheduling (or found unknown) is cached; revocations evict at once" },
    { "KEFU_SESSION_TTL_MIN", KEFU_CONFIG_INT, "480", 1, 1440, false,
      "Longest life of a session token in minutes (keep a rotated-out public key this long)" },
    { "KEFU_SHIFT_GRACE_BEFORE_MIN", KEFU_CONFIG_INT, "15", 0, 240, false,
      "Minutes before a shift's start from which an agent or shift lead may log in and act (AUD-2)" },
    { "KEFU_SHIFT_GRACE_AFTER_MIN", KEFU_CONFIG_INT, "30", 0, 240, false,
      "Minutes after a shift's end until which an agent or shift lead may still act (AUD-2)" },
    { "KEFU_ROSTER_MIN_REST_MIN", KEFU_CONFIG_INT, "480", 0, 1440, false,
      "Least rest, in minutes, between the end of one shift of a person and the start of their next (SCH-3 roster validation, SCH-4 swaps)" },
    { "KEFU_SHIFT_EXEMPT_ROLES", KEFU_CONFIG_STRING, "supervisor,manager,admin,integration,auditor,archivist", 0, 0, false,
      "Roles not bound to shifts; a person holding any of them is never refused as off shift" },
    { "KEFU_SHARED_ACCOUNT_POLICY", KEFU_CONFIG_STRING, "alert", 0, 0, false,
      "A second live session of one staff number from another terminal (AUD-3): alert, or end_older" },
    { "KEFU_LOGIN_MAX_FAILURES", KEFU_CONFIG_INT, "5", 1, 100, false,
      "Consecutive wrong passwords after which an account is locked" },
    { "KEFU_LOGIN_LOCKOUT_BASE_S", KEFU_CONFIG_INT, "60", 1, 86400, false,
      "Lockout in seconds after KEFU_LOGIN_MAX_FAILURES wrong passwords; doubled by each further one" },
    { "KEFU_LOGIN_LOCKOUT_MAX_S", KEFU_CONFIG_INT, "3600", 1, 604800, false,
      "Longest lockout in seconds" },
    { "KEFU_PASSWORD_MIN_LENGTH", KEFU_CONFIG_INT, "10", 8, 128, false,
      "Fewest characters of a password" },
    { "KEFU_WEBHOOKS_SOURCES", KEFU_CONFIG_STRING, "tickets", 0, 0, false,
      "Services whose events the webhooks service delivers, comma-separated" },
    { "KEFU_WEBHOOKS_SECRET_KEY", KEFU_CONFIG_STRING, "", 0, 0, true,
      "32-byte key (64 hex digits) encrypting webhook signing secrets at rest; required" },
    { "KEFU_WEBHOOKS_ALLOW_PRIVATE", KEFU_CONFIG_BOOL, "false", 0, 0, false,
      "Allow webhook URLs on loopback, private, CGNAT and link-local addresses (tests, local runs)" },
    { "KEFU_WEBHOOKS_BACKOFF_BASE_MS", KEFU_CONFIG_INT, "1000", 1, 3600000, false,
      "Delay cap after a webhook's first failed attempt; doubles per attempt, full jitter" },
    { "KEFU_WEBHOOKS_BACKOFF_MAX_MS", KEFU_CONFIG_INT, "3600000", 1, 86400000, false,
      "Largest delay cap between two attempts of one webhook delivery" },
    { "KEFU_WEBHOOKS_GIVE_UP_S", KEFU_CONFIG_INT, "90000", 1, 2592000, false,
      "Seconds after its first attempt that a failing webhook delivery is declared dead" },
    { "KEFU_WEBHOOKS_TIMEOUT_MS", KEFU_CONFIG_INT, "10000", 100, 120000, false,
      "Time limit of one webhook delivery attempt (connect and response)" },
    { "KEFU_WEBHOOKS_SENDERS", KEFU_CONFIG_INT, "2", 1, 32, false,
      "Delivery threads of the webhooks service (each with its own database connection)" },
    { "KEFU_WEBHOOKS_POLL_MS", KEFU_CONFIG_INT, "200", 10, 60000, false,
      "How often an idle delivery thread looks for due retries (new events wake it at once)" },
};

#define CONFIG_COUNT (sizeof config_table / sizeof config_table[0])

struct _kefu_config_t {
    char *values[CONFIG_COUNT];     /* the validated text of each entry */
    long long ints[CONFIG_COUNT];
};

const kefu_config_entry_t *
kefu_config_table (size_t *count)
{
    *count = CONFIG_COUNT;
    return config_table;
}

static const char *
config_getenv (const char *name, void *arg)
{
    (void) arg;
    return getenv (name);
}

/*  Read a secret from the file named by NAME_FILE. Trailing newlines are
 *  dropped, since editors and `echo` add them. */
static char *
config_read_secret_file (const char *path, kefu_strbuf_t *error, const char *name)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        kefu_strbuf_appendf (error, "%s_FILE: cannot open \"%s\": %s", name, path, strerror (errno));
        return NULL;
    }
    char *text = malloc (CONFIG_SECRET_FILE_MAX + 1);
    size_t size = text ? fread (text, 1, CONFIG_SECRET_FILE_MAX + 1, file) : 0;
    int failed = ferror (file);
    fclose (file);
    if (!text || failed || size > CONFIG_SECRET_FILE_MAX) {
        kefu_strbuf_appendf (error, "%s_FILE: cannot read \"%s\" (unreadable or over %d bytes)",
                             name, path, CONFIG_SECRET_FILE_MAX);
        free (text);
        return NULL;
    }
    while (size > 0 && (text[size - 1] == '\n' || text[size - 1] == '\r'))
        size--;
    text[size] = '\0';
    return text;
}

static bool
config_parse_int (const char *text, long long *value)
{
    if (!*text)
        return false;
    errno = 0;
    char *end;
    long long parsed = strtoll (text, &end, 10);
    if (errno || *end != '\0' || isspace ((unsigned char) *text))
        return false;
    *value = parsed;
    return true;
}

static bool
config_parse_bool (const char *text, long long *value)
{
    static const char *const truths[] = { "1", "true", "yes", "on" };
    static const char *const lies[] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < sizeof truths / sizeof truths[0]; i++) {
        if (strcmp (text, truths[i]) == 0) { *value = 1; return true; }
        if (strcmp (text, lies[i]) == 0)   { *value = 0; return true; }
    }
    return false;
}

kefu_config_t *
kefu_config_new_with (kefu_config_lookup_fn *lookup, void *arg, char **error)
{
    kefu_config_t *self = calloc (1, sizeof *self);
    kefu_strbuf_t problem;
    kefu_strbuf_init (&problem);
    if (!self) {
        *error = strdup ("out of memory");
        return NULL;
    }
    for (size_t i = 0; i < CONFIG_COUNT && kefu_strbuf_length (&problem) == 0; i++) {
        const kefu_config_entry_t *entry = &config_table[i];
        const char *text = lookup (entry->name, arg);
        char *owned = NULL;
        if (!text && entry->secret) {
            char file_name[128];
            snprintf (file_name, sizeof file_name, "%s_FILE", entry->name);
            const char *path = lookup (file_name, arg);
            if (path && *path) {
                owned = config_read_secret_file (path, &problem, entry->name);
                if (!owned)
                    break;
            }
        }
        if (!owned)
            owned = strdup (text ? text : entry->default_value);
        if (!owned) {
            kefu_strbuf_append (&problem, "out of memory");
            break;
        }
        self->values[i] = owned;
        if (entry->type == KEFU_CONFIG_INT) {
            long long value;
            if (!config_parse_int (owned, &value) || value < entry->min || value > entry->max)
                kefu_strbuf_appendf (&problem, "%s: must be an integer from %lld to %lld (got \"%s\")",
                                     entry->name, entry->min, entry->max, entry->secret ? "***" : owned);
            else
                self->ints[i] = value;
        }
        else
        if (entry->type == KEFU_CONFIG_BOOL) {
            long long value;
            if (!config_parse_bool (owned, &value))
                kefu_strbuf_appendf (&problem, "%s: must be true or false (got \"%s\")",
                                     entry->name, entry->secret ? "***" : owned);
            else
                self->ints[i] = value;
        }
    }
    if (kefu_strbuf_length (&problem) > 0 || !kefu_strbuf_ok (&problem)) {
        *error = kefu_strbuf_detach (&problem);
        kefu_config_destroy (&self);
        return NULL;
    }
    kefu_strbuf_release (&problem);
    *error = NULL;
    return self;
}

kefu_config_t *
kefu_config_new (char **error)
{
    return kefu_config_new_with (config_getenv, NULL, error);
}

void
kefu_config_destroy (kefu_config_t **self_p)
{
    assert (self_p);
    kefu_config_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < CONFIG_COUNT; i++)
        free (self->values[i]);
    free (self);
    *self_p = NULL;
}

/*  The row of `name`, or CONFIG_COUNT if it has none. */
static size_t
config_find (const char *name, kefu_config_type_t type)
{
    for (size_t i = 0; i < CONFIG_COUNT; i++)
        if (strcmp (config_table[i].name, name) == 0) {
            assert (config_table[i].type == type);
            return i;
        }
    return CONFIG_COUNT;
}

static size_t
config_index (const char *name, kefu_config_type_t type)
{
    size_t index = config_find (name, type);
    if (index < CONFIG_COUNT)
        return index;
    fprintf (stderr, "kefu_config: \"%s\" is not in the configuration table\n", name);
    abort ();
}

const char *
kefu_config_string (kefu_config_t *self, const char *name)
{
    return self->values[config_index (name, KEFU_CONFIG_STRING)];
}

long long
kefu_config_int (kefu_config_t *self, const char *name)
{
    return self->ints[config_index (name, KEFU_CONFIG_INT)];
}

bool
kefu_config_bool (kefu_config_t *self, const char *name)
{
    return self->ints[config_index (name, KEFU_CONFIG_BOOL)] != 0;
}

/*  "tickets" + "BIND" -> "KEFU_TICKETS_BIND". */
static void
config_service_name (char *name, size_t size, const char *service, const char *suffix)
{
    int n = snprintf (name, size, "KEFU_");
    for (const char *p = service; *p && (size_t) n + 1 < size; p++)
        name[n++] = (char) toupper ((unsigned char) *p);
    name[n] = '\0';
    snprintf (name + n, size - (size_t) n, "_%s", suffix);
}

const char *
kefu_config_service_string (kefu_config_t *self, const char *service, const char *suffix)
{
    char name[128];
    config_service_name (name, sizeof name, service, suffix);
    size_t index = config_find (name, KEFU_CONFIG_STRING);
    return index < CONFIG_COUNT ? self->values[index] : NULL;
}

long long
kefu_config_service_int (kefu_config_t *self, const char *service, const char *suffix, long long fallback)
{
    char name[128];
    config_service_name (name, sizeof name, service, suffix);
    size_t index = config_find (name, KEFU_CONFIG_INT);
    return index < CONFIG_COUNT ? self->ints[index] : fallback;
}

const char *
kefu_config_service_dsn (kefu_config_t *self, const char *service)
{
    const char *dsn = kefu_config_service_string (self, service, "DSN");
    return dsn && *dsn ? dsn : kefu_config_string (self, "KEFU_DATABASE_URL");
}
