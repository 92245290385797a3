/*  kefu-gateway: the HTTP front of kefu (DESIGN.md §2, §4).
 *
 *  Only wiring: read the configuration, start logging, build the gateway
 *  (gateway_server), run it until SIGTERM/SIGINT, tear it down. Everything
 *  else lives in the gateway_* classes.
 *
 *  Two options print what the gateway serves and exit, without reading the
 *  configuration: --routes (the route table as JSON) and --openapi (the
 *  OpenAPI document GET /openapi.json serves). --routes is the permission
 *  table (role x method): the README's table is generated from it
 *  (tools/routes-table.py) and the tests check both.
 */
#include "gateway_openapi.h"
#include "gateway_server.h"
#include "kefu_config.h"
#include "kefu_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Print `text` (taken over; NULL means out of memory) and a newline. */
static int
main_print (char *text)
{
    if (!text) {
        fprintf (stderr, "kefu-gateway: out of memory\n");
        return EXIT_FAILURE;
    }
    int written = printf ("%s\n", text);
    free (text);
    return written < 0 || fflush (stdout) != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*  --openapi: the document, as served. */
static int
main_print_openapi (void)
{
    gateway_openapi_t *openapi = gateway_openapi_new ();
    char *text = openapi ? strdup (gateway_openapi_text (openapi)) : NULL;
    gateway_openapi_destroy (&openapi);
    return main_print (text);
}

int
main (int argc, char **argv)
{
    if (argc == 2 && strcmp (argv[1], "--routes") == 0)
        return main_print (gateway_openapi_routes_text ());
    if (argc == 2 && strcmp (argv[1], "--openapi") == 0)
        return main_print_openapi ();
    if (argc > 1) {
        fprintf (stderr, "usage: kefu-gateway [--routes | --openapi]\n");
        return EXIT_FAILURE;
    }

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
