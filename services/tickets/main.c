/*  kefu-tickets: the tickets service (TKT-1..3, 5..8).
 *
 *  Wiring only: read the configuration, build the service from its method
 *  tables and migrations, start the SLA escalation engine, run until
 *  SIGTERM, tear down. The handlers are in tickets_handlers.c,
 *  tickets_parts.c, tickets_departments.c and tickets_sla_handlers.c (all
 *  changes of status through tickets_apply.c), the rules in
 *  tickets_workflow.c and tickets_sla.c, the SQL in tickets_store.c,
 *  tickets_sla_store.c and migrations/.
 */
#include "tickets_handlers.h"
#include "tickets_sla_engine.h"
#include "tickets_sla_handlers.h"

#include "kefu_config.h"
#include "kefu_log.h"
#include "kefu_service.h"
#include "kefu_ticker.h"
#include "kefu_tz.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICKETS_VERSION "0.1.0"

extern const kefu_migration_t tickets_migrations[];
extern const size_t tickets_migrations_count;

int
main (void)
{
    char *error = NULL;
    kefu_config_t *config = kefu_config_new (&error);
    if (!config) {
        fprintf (stderr, "kefu-tickets: bad configuration: %s\n", error);
        free (error);
        return EXIT_FAILURE;
    }
    if (kefu_log_init ("tickets", kefu_config_string (config, "KEFU_LOG_LEVEL")) != 0) {
        fprintf (stderr, "kefu-tickets: KEFU_LOG_LEVEL must be debug, info, warn or error\n");
        kefu_config_destroy (&config);
        return EXIT_FAILURE;
    }
    if (sodium_init () < 0) {
        kefu_log_error ("sodium.init_failed", NULL);
        kefu_config_destroy (&config);
        return EXIT_FAILURE;
    }
    kefu_tz_set_directory (kefu_config_string (config, "KEFU_ZONEINFO_DIR"));
    /*  One table of methods: the workflow's, then the SLA's. */
    size_t method_count = tickets_method_count + tickets_sla_method_count;
    kefu_method_t *methods = calloc (method_count, sizeof *methods);
    if (!methods) {
        kefu_config_destroy (&config);
        return EXIT_FAILURE;
    }
    memcpy (methods, tickets_methods, tickets_method_count * sizeof *methods);
    memcpy (methods + tickets_method_count, tickets_sla_methods, tickets_sla_method_count * sizeof *methods);
    const kefu_service_spec_t spec = {
        .name = "tickets",
        .version = TICKETS_VERSION,
        .methods = methods,
        .method_count = method_count,
        .migrations = tickets_migrations,
        .migration_count = tickets_migrations_count,
    };
    kefu_service_catch_signals ();
    kefu_service_t *service = kefu_service_new (&spec, config);
    static const kefu_ticker_sweep_t sweeps[] = {
        { "sla.escalation", tickets_sla_engine_sweep },
    };
    kefu_ticker_t *engine =
        service ? kefu_ticker_new (kefu_config_service_dsn (config, "tickets"), "tickets",
                                   (int) kefu_config_int (config, "KEFU_TICKETS_SLA_SCAN_MS"), sweeps,
                                   sizeof sweeps / sizeof sweeps[0], NULL)
                : NULL;
    int rc = EXIT_FAILURE;
    /*  The service starts first: it applies the migrations the engine's
     *  scan relies on. */
    if (engine && kefu_service_start (service) == 0 && kefu_ticker_start (engine) == 0
        && kefu_service_run (service) == 0)
        rc = EXIT_SUCCESS;
    kefu_ticker_destroy (&engine);
    kefu_service_destroy (&service);
    free (methods);
    kefu_config_destroy (&config);
    return rc;
}
