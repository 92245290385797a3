/*  kefu-webhooks: the webhooks service, signed durable delivery of kefu
 *  events to CRM systems.
 *
 *  Wiring only: read the configuration, open the vault of signing secrets
 *  (refusing to start without KEFU_WEBHOOKS_SECRET_KEY), build the service
 *  from its method table and migrations, the consumer of the sources'
 *  events and the delivery threads, run until SIGTERM, tear down in
 *  reverse. The methods are in webhooks_handlers.c, the intake in
 *  webhooks_intake.c, delivery in webhooks_sender.c, the SQL in
 *  webhooks_store.c and migrations/.
 */
#include "webhooks_handlers.h"
#include "webhooks_intake.h"
#include "webhooks_sender.h"
#include "webhooks_vault.h"

#include "kefu_config.h"
#include "kefu_log.h"
#include "kefu_service.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

#define WEBHOOKS_VERSION "0.1.0"

extern const kefu_migration_t webhooks_migrations[];
extern const size_t webhooks_migrations_count;

int
main (void)
{
    char *error = NULL;
    kefu_config_t *config = kefu_config_new (&error);
    if (!config) {
        fprintf (stderr, "kefu-webhooks: bad configuration: %s\n", error);
        free (error);
        return EXIT_FAILURE;
    }
    if (kefu_log_init ("webhooks", kefu_config_string (config, "KEFU_LOG_LEVEL")) != 0) {
        fprintf (stderr, "kefu-webhooks: KEFU_LOG_LEVEL must be debug, info, warn or error\n");
        kefu_config_destroy (&config);
        return EXIT_FAILURE;
    }
    if (sodium_init () < 0 || curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        kefu_log_error ("webhooks.init_failed", NULL);
        kefu_config_destroy (&config);
        return EXIT_FAILURE;
    }
    const char *problem = NULL;
    webhooks_vault_t *vault =
        webhooks_vault_new (kefu_config_string (config, "KEFU_WEBHOOKS_SECRET_KEY"), &problem);
    if (!vault) {
        fprintf (stderr, "kefu-webhooks: bad configuration: %s\n", problem);
        curl_global_cleanup ();
        kefu_config_destroy (&config);
        return EXIT_FAILURE;
    }
    webhooks_handlers_state_t handlers = {
        .vault = vault,
        .allow_private = kefu_config_bool (config, "KEFU_WEBHOOKS_ALLOW_PRIVATE"),
    };
    const kefu_service_spec_t spec = {
        .name = "webhooks",
        .version = WEBHOOKS_VERSION,
        .methods = webhooks_methods,
        .method_count = webhooks_method_count,
        .migrations = webhooks_migrations,
        .migration_count = webhooks_migrations_count,
        .state = &handlers,
    };
    kefu_service_catch_signals ();
    int rc = EXIT_FAILURE;
    void *context = zmq_ctx_new ();
    /*  Built (not started) first, so that a wrong KEFU_WEBHOOKS_SOURCES
     *  stops the process before it binds anything. */
    kefu_consumer_t *consumer =
        context ? webhooks_intake_consumer_new (config, context, &error) : NULL;
    if (context && !consumer) {
        fprintf (stderr, "kefu-webhooks: bad configuration: %s\n", error);
        free (error);
    }
    kefu_service_t *service = consumer ? kefu_service_new (&spec, config) : NULL;
    webhooks_sender_t *sender = service ? webhooks_sender_new (config, vault) : NULL;
    /*  The service starts first: it applies the migrations the consumer and
     *  the senders rely on. */
    if (sender && kefu_service_start (service) == 0 && kefu_consumer_start (consumer) == 0 &&
        webhooks_sender_start (sender) == 0 && kefu_service_run (service) == 0)
        rc = EXIT_SUCCESS;
    webhooks_sender_destroy (&sender);
    kefu_consumer_destroy (&consumer);
    kefu_service_destroy (&service);
    if (context)
        zmq_ctx_term (context);
    webhooks_vault_destroy (&vault);
    curl_global_cleanup ();
    kefu_config_destroy (&config);
    return rc;
}
