/*  kefu-gateway: the HTTP front of kefu (DESIGN.md §2, §4).
 *
 *  Only wiring: read the configuration, start logging, build the gateway
 *  (gateway_server), run it until SIGTERM/SIGINT, tear it down. Everything
 *  else lives in the gateway_* classes.
 */
#include "gateway_server.h"
#include "kefu_config.h"
#include "kefu_log.h"

#include <stdio.h>
#include <stdlib.h>

int
main (void)
{
    char *error = NULL;
    kefu_config_t *config = kefu_config_new (&error);
    if (!config) {
        kefu_log_init ("gateway", NULL);
        kefu_log_error ("gateway.bad_config", "error", error ? error : "out of memory", NULL);
        free (error);
        return EXIT_FAILURE;
    }
    if (kefu_log_init ("gateway", kefu_config_string (config, "KEFU_LOG_LEVEL")) != 0)
        kefu_log_warn ("gateway.bad_log_level", "level",
                       kefu_config_string (config, "KEFU_LOG_LEVEL"), "detail", "using info", NULL);

    gateway_server_t *server = gateway_server_new (config);
    if (!server) {
        kefu_config_destroy (&config);
        return EXIT_FAILURE;
    }
    int rc = gateway_server_run (server);
    gateway_server_destroy (&server);
    kefu_config_destroy (&config);
    return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
