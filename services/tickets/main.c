/*  kefu-tickets: the tickets service (TKT-1..3, 5, 6, 8).
 *
 *  Wiring only: read the configuration, build the service from its method
 *  table and migrations, run it until SIGTERM, tear down. The handlers are
 *  in tickets_handlers.c, tickets_parts.c and tickets_departments.c (all
 *  changes through tickets_apply.c), the rules in tickets_workflow.c, the SQL in
 *  tickets_store.c and migrations/.
 */
#include "tickets_handlers.h"

#include "kefu_config.h"
#include "kefu_log.h"
#include "kefu_service.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

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
    const kefu_service_spec_t spec = {
        .name = "tickets",
        .version = TICKETS_VERSION,
        .methods = tickets_methods,
        .method_count = tickets_method_count,
        .migrations = tickets_migrations,
        .migration_count = tickets_migrations_count,
    };
    kefu_service_catch_signals ();
    kefu_service_t *service = kefu_service_new (&spec, config);
    int rc = EXIT_FAILURE;
    if (service && kefu_service_start (service) == 0 && kefu_service_run (service) == 0)
        rc = EXIT_SUCCESS;
    kefu_service_destroy (&service);
    kefu_config_destroy (&config);
    return rc;
}
