/*  kefu-gateway: the HTTP front of kefu (DESIGN.md §2, §4).
 *
 *  Only wiring: read the configuration, start logging, build the gateway
 *  (gateway_server), run it until SIGTERM/SIGINT, tear it down. Everything
 *  else lives in the gateway_* classes.
 *
 *  `kefu-gateway --routes` prints the route table as JSON instead, one
 *  object per route: {"method", "pattern", "roles": [...], "anonymous"}.
 *  It is the permission table (role x method): the README's table is
 *  generated from it (tools/routes-table.py) and the tests check both.
 */
#include "gateway_routes.h"
#include "gateway_server.h"
#include "kefu_config.h"
#include "kefu_log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Print the route table as JSON on stdout. */
static int
print_routes (void)
{
    size_t count;
    const gateway_route_t *routes = gateway_routes_table (&count);
    json_t *list = json_array ();
    for (size_t i = 0; list && i < count; i++) {
        json_t *roles = json_array ();
        for (unsigned bit = 0; roles && bit < KEFU_ROLE_COUNT; bit++)
            if (!routes[i].anonymous && (routes[i].roles & (1u << bit)))
                json_array_append_new (roles,
                                       json_string (kefu_role_name ((kefu_role_t)(1u << bit))));
        json_array_append_new (list, json_pack ("{s:s, s:s, s:o, s:b}", "method", routes[i].method,
                                                "pattern", routes[i].pattern, "roles", roles,
                                                "anonymous", routes[i].anonymous));
    }
    char *text = list ? json_dumps (list, JSON_INDENT (2)) : NULL;
    json_decref (list);
    if (!text)
        return EXIT_FAILURE;
    puts (text);
    free (text);
    return EXIT_SUCCESS;
}

int
main (int argc, char **argv)
{
    if (argc == 2 && strcmp (argv[1], "--routes") == 0)
        return print_routes ();
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
