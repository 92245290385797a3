/*  kefu-scheduling: the workforce service. The staff directory,
 *  credentials, log-in sessions and API keys (SCH-1, SCH-2, AUD-2, AUD-3),
 *  rosters and who is on duty (SCH-3, SCH-8), shift swaps and handovers,
 *  the security desk's among them (SCH-4, SCH-7), leave and attendance
 *  (SCH-5, SCH-6), Erlang C staffing (SCH-9) and grades (SCH-10).
 *
 *  Wiring only: read the configuration, load the token signing keys
 *  (refusing to start without KEFU_SESSION_SIGNING_KEYS), build the service
 *  from its method table and migrations, start its ticker (the timed rules
 *  of scheduling_sweeps.c) and the consumer of complaints the security desk
 *  lists, run until SIGTERM, tear down.
 *  Two commands for operators run instead of the service:
 *
 *      kefu-scheduling create-admin <staff_no> <name>   password on stdin
 *      kefu-scheduling keygen <kid>                     a new signing key
 *
 *  The method table is at the end of scheduling_handlers.c, which also
 *  holds the staff, log-in, shift and API-key methods (their SQL, and
 *  staffing's, in scheduling_store.c); every other feature has its
 *  handlers in scheduling_<feature>.c and its SQL in
 *  scheduling_<feature>_store.c (leave's with attendance's, the security
 *  desk's with the handovers'); every creating request's Idempotency-Key
 *  goes through scheduling_creation.c (its SQL in
 *  scheduling_creation_store.c). The schema is in migrations/;
 *  the timed rules in scheduling_sweeps.c.
 */
#include "scheduling_admin.h"
#include "scheduling_handlers.h"
#include "scheduling_security_desk.h"
#include "scheduling_sweeps.h"

#include "kefu_config.h"
#include "kefu_log.h"
#include "kefu_service.h"
#include "kefu_text.h"
#include "kefu_ticker.h"
#include "kefu_token.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define SCHEDULING_VERSION "0.1.0"

enum { MS_PER_MINUTE = 60 * 1000, MS_PER_SECOND = 1000 };

extern const kefu_migration_t scheduling_migrations[];
extern const size_t scheduling_migrations_count;

/*  Roles named in a configuration list; false on an unknown name. */
static bool
roles_from_list (const char *list, kefu_roles_t *roles)
{
    *roles = 0;
    const char *cursor = list, *item;
    size_t length;
    while (kefu_text_list_next (&cursor, &item, &length)) {
        kefu_role_t role;
        if (!kefu_role_from_name (item, length, &role))
            return false;
        *roles |= role;
    }
    return true;
}

static int
command_keygen (const char *kid)
{
    char seed[KEFU_TOKEN_ENTRY_SIZE], public_key[KEFU_TOKEN_ENTRY_SIZE];
    if (kefu_token_keygen (kid, seed, public_key) != 0) {
        fprintf (stderr, "kefu-scheduling keygen: the kid must be 1 to %d of A-Z a-z 0-9 _ -\n", KEFU_TOKEN_KID_MAX);
        return EXIT_FAILURE;
    }
    printf ("KEFU_SESSION_SIGNING_KEYS=%s\nKEFU_SESSION_PUBLIC_KEYS=%s\n", seed, public_key);
    sodium_memzero (seed, sizeof seed);
    return EXIT_SUCCESS;
}

static int
command_create_admin (kefu_config_t *config, const char *staff_no, const char *name)
{
    if (!scheduling_staff_no_valid (staff_no)) {
        fprintf (stderr, "kefu-scheduling create-admin: the staff number must be 1 to %d of A-Z a-z 0-9 _ -\n",
                 SCHEDULING_STAFF_NO_MAX);
        return EXIT_FAILURE;
    }
    char password[SCHEDULING_PASSWORD_MAX + 2];
    if (!fgets (password, sizeof password, stdin)) {
        fprintf (stderr, "kefu-scheduling create-admin: give the password on standard input\n");
        return EXIT_FAILURE;
    }
    password[strcspn (password, "\r\n")] = '\0';
    char *error = NULL;
    int rc = scheduling_admin_create (config, scheduling_migrations, scheduling_migrations_count, staff_no, name,
                                      password, &error);
    sodium_memzero (password, sizeof password);
    if (rc != 0) {
        fprintf (stderr, "kefu-scheduling create-admin: %s\n", error ? error : "out of memory");
        free (error);
        return EXIT_FAILURE;
    }
    printf ("admin %s created\n", staff_no);
    return EXIT_SUCCESS;
}

int
main (int argc, char **argv)
{
    char *error = NULL;
    kefu_config_t *config = kefu_config_new (&error);
    if (!config) {
        fprintf (stderr, "kefu-scheduling: bad configuration: %s\n", error);
        free (error);
        return EXIT_FAILURE;
    }
    if (kefu_log_init ("scheduling", kefu_config_string (config, "KEFU_LOG_LEVEL")) != 0 || sodium_init () < 0) {
        fprintf (stderr, "kefu-scheduling: KEFU_LOG_LEVEL must be debug, info, warn or error\n");
        kefu_config_destroy (&config);
        return EXIT_FAILURE;
    }
    int rc = EXIT_FAILURE;
    if (argc == 3 && strcmp (argv[1], "keygen") == 0) {
        rc = command_keygen (argv[2]);
        kefu_config_destroy (&config);
        return rc;
    }
    if (argc == 4 && strcmp (argv[1], "create-admin") == 0) {
        rc = command_create_admin (config, argv[2], argv[3]);
        kefu_config_destroy (&config);
        return rc;
    }
    if (argc != 1) {
        fprintf (stderr, "usage: kefu-scheduling [create-admin <staff_no> <name> | keygen <kid>]\n");
        kefu_config_destroy (&config);
        return EXIT_FAILURE;
    }
    static scheduling_state_t state;
    /*  Zones for leave rules (a site's zone) and attendance months. */
    kefu_tz_set_directory (kefu_config_string (config, "KEFU_ZONEINFO_DIR"));
    const char *policy = kefu_config_string (config, "KEFU_SHARED_ACCOUNT_POLICY");
    kefu_token_keys_t *keys = kefu_token_keys_new (kefu_config_string (config, "KEFU_SESSION_SIGNING_KEYS"), true, &error);
    const char *problem = !keys ? error
                        : kefu_token_keys_count (keys) == 0 ? "KEFU_SESSION_SIGNING_KEYS is required (make one with: kefu-scheduling keygen <kid>)"
                        : !roles_from_list (kefu_config_string (config, "KEFU_SHIFT_EXEMPT_ROLES"), &state.shift_exempt_roles)
                            ? "KEFU_SHIFT_EXEMPT_ROLES names an unknown role"
                        : strcmp (policy, "alert") != 0 && strcmp (policy, "end_older") != 0
                            ? "KEFU_SHARED_ACCOUNT_POLICY must be alert or end_older"
                        : !(state.attendance_zone = kefu_tz_get (kefu_config_string (config, "KEFU_ATTENDANCE_ZONE"), NULL))
                            ? "KEFU_ATTENDANCE_ZONE is not a time zone found in KEFU_ZONEINFO_DIR"
                        : scheduling_password_dummy_new (state.dummy_hash) != 0 ? "out of memory"
                                                                                : NULL;
    if (problem) {
        fprintf (stderr, "kefu-scheduling: bad configuration: %s\n", problem);
        free (error);
        kefu_token_keys_destroy (&keys);
        kefu_config_destroy (&config);
        return EXIT_FAILURE;
    }
    state.signing_keys = keys;
    state.session_ttl_ms = kefu_config_int (config, "KEFU_SESSION_TTL_MIN") * MS_PER_MINUTE;
    state.grace_before_ms = kefu_config_int (config, "KEFU_SHIFT_GRACE_BEFORE_MIN") * MS_PER_MINUTE;
    state.grace_after_ms = kefu_config_int (config, "KEFU_SHIFT_GRACE_AFTER_MIN") * MS_PER_MINUTE;
    state.roster_min_rest_ms = kefu_config_int (config, "KEFU_ROSTER_MIN_REST_MIN") * MS_PER_MINUTE;
    state.end_older_session = strcmp (policy, "end_older") == 0;
    state.login_max_failures = (int) kefu_config_int (config, "KEFU_LOGIN_MAX_FAILURES");
    state.lockout_base_ms = kefu_config_int (config, "KEFU_LOGIN_LOCKOUT_BASE_S") * MS_PER_SECOND;
    state.lockout_max_ms = kefu_config_int (config, "KEFU_LOGIN_LOCKOUT_MAX_S") * MS_PER_SECOND;
    state.password_min_length = (size_t) kefu_config_int (config, "KEFU_PASSWORD_MIN_LENGTH");
    state.attendance_violation_ms = kefu_config_int (config, "KEFU_ATTENDANCE_VIOLATION_MIN") * MS_PER_MINUTE;
    state.handover_overdue_ms = kefu_config_int (config, "KEFU_HANDOVER_OVERDUE_MIN") * MS_PER_MINUTE;

    const kefu_service_spec_t spec = {
        .name = "scheduling",
        .version = SCHEDULING_VERSION,
        .methods = scheduling_methods,
        .method_count = scheduling_method_count,
        .migrations = scheduling_migrations,
        .migration_count = scheduling_migrations_count,
        .state = &state,
    };
    kefu_service_catch_signals ();
    /*  The consumer of complaints for the security desk (SCH-7), built
     *  first so that a wrong KEFU_SCHEDULING_COMPLAINTS_SOURCE stops the
     *  process before it binds anything; none when the variable is empty. */
    void *context = zmq_ctx_new ();
    kefu_consumer_t *complaints = NULL;
    const char *consumer_problem = context ? NULL : "cannot create a ZeroMQ context";
    if (context && scheduling_security_desk_consumer_new (config, context, &complaints, &consumer_problem) != 0)
        fprintf (stderr, "kefu-scheduling: bad configuration: %s\n", consumer_problem);
    kefu_service_t *service = !consumer_problem ? kefu_service_new (&spec, config) : NULL;
    kefu_ticker_t *ticker =
        service ? kefu_ticker_new (kefu_config_service_dsn (config, "scheduling"), "scheduling",
                                   (int) kefu_config_int (config, "KEFU_SCHEDULING_TICK_MS"),
                                   scheduling_sweeps, scheduling_sweep_count, &state)
                : NULL;
    /*  The service starts first: it applies the migrations the sweeps and
     *  the consumer rely on. */
    if (ticker && kefu_service_start (service) == 0 && kefu_ticker_start (ticker) == 0
        && (!complaints || kefu_consumer_start (complaints) == 0) && kefu_service_run (service) == 0)
        rc = EXIT_SUCCESS;
    kefu_ticker_destroy (&ticker);
    kefu_consumer_destroy (&complaints);
    kefu_service_destroy (&service);
    if (context)
        zmq_ctx_term (context);
    kefu_token_keys_destroy (&keys);
    sodium_memzero (&state, sizeof state);
    kefu_config_destroy (&config);
    return rc;
}
