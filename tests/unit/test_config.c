/*  Unit tests of kefu_config: defaults, validation, secrets from files, and
 *  the README documenting every variable.
 */
#include "kefu_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/*  A fake environment: NULL-terminated name/value pairs. */
static const char *
lookup_in (const char *name, void *arg)
{
    const char *const *pairs = arg;
    for (; pairs[0]; pairs += 2)
        if (strcmp (pairs[0], name) == 0)
            return pairs[1];
    return NULL;
}

static void
test_defaults_from_design (void **state)
{
    (void) state;
    const char *environment[] = { NULL };
    char *error = NULL;
    kefu_config_t *config = kefu_config_new_with (lookup_in, environment, &error);
    assert_non_null (config);
    assert_null (error);
    /*  DESIGN.md §3: gateway HTTP 8080, tickets 5551. */
    assert_int_equal (kefu_config_int (config, "KEFU_HTTP_PORT"), 8080);
    assert_string_equal (kefu_config_string (config, "KEFU_TICKETS_BIND"), "tcp://127.0.0.1:5551");
    assert_string_equal (kefu_config_string (config, "KEFU_LOG_LEVEL"), "info");
    kefu_config_destroy (&config);
    assert_null (config);
    kefu_config_destroy (&config);      /* safe twice */
}

static void
test_values_override_defaults (void **state)
{
    (void) state;
    const char *environment[] = { "KEFU_HTTP_PORT", "18080", "KEFU_TICKETS_WORKERS", "8", NULL };
    char *error = NULL;
    kefu_config_t *config = kefu_config_new_with (lookup_in, environment, &error);
    assert_non_null (config);
    assert_int_equal (kefu_config_int (config, "KEFU_HTTP_PORT"), 18080);
    assert_int_equal (kefu_config_service_int (config, "tickets", "WORKERS", 0), 8);
    kefu_config_destroy (&config);
}

static void
test_bad_integer_refused_with_name (void **state)
{
    (void) state;
    const char *cases[][2] = {
        { "KEFU_HTTP_PORT", "80x" }, { "KEFU_HTTP_PORT", "65536" }, { "KEFU_HTTP_PORT", "" },
        { "KEFU_HTTP_PORT", " 80" }, { "KEFU_TICKETS_WORKERS", "0" }, { "KEFU_HTTP_MAX_BODY", "-1" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *environment[] = { cases[i][0], cases[i][1], NULL };
        char *error = NULL;
        kefu_config_t *config = kefu_config_new_with (lookup_in, environment, &error);
        assert_null (config);
        assert_non_null (error);
        assert_non_null (strstr (error, cases[i][0]));
        free (error);
    }
}

static void
test_service_dsn_falls_back_to_database_url (void **state)
{
    (void) state;
    const char *shared[] = { "KEFU_DATABASE_URL", "dbname=shared", NULL };
    const char *own[] = { "KEFU_DATABASE_URL", "dbname=shared", "KEFU_TICKETS_DSN", "dbname=own", NULL };
    char *error = NULL;
    kefu_config_t *config = kefu_config_new_with (lookup_in, shared, &error);
    assert_string_equal (kefu_config_service_dsn (config, "tickets"), "dbname=shared");
    kefu_config_destroy (&config);
    config = kefu_config_new_with (lookup_in, own, &error);
    assert_string_equal (kefu_config_service_dsn (config, "tickets"), "dbname=own");
    kefu_config_destroy (&config);
}

/*  Secrets may come from NAME_FILE; the trailing newline is dropped. */
static void
test_secret_read_from_file (void **state)
{
    (void) state;
    char path[] = "/tmp/kefu-test-secret-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    const char secret[] = "ops:admin:S1:0123456789abcdef\n";
    assert_int_equal (write (fd, secret, sizeof secret - 1), (ssize_t) sizeof secret - 1);
    close (fd);
    const char *environment[] = { "KEFU_API_KEYS_FILE", path, NULL };
    char *error = NULL;
    kefu_config_t *config = kefu_config_new_with (lookup_in, environment, &error);
    assert_non_null (config);
    assert_string_equal (kefu_config_string (config, "KEFU_API_KEYS"), "ops:admin:S1:0123456789abcdef");
    kefu_config_destroy (&config);

    unlink (path);
    config = kefu_config_new_with (lookup_in, environment, &error);
    assert_null (config);
    assert_non_null (strstr (error, "KEFU_API_KEYS_FILE"));
    free (error);
}

/*  A secret's value never appears in an error message. */
static void
test_secret_not_echoed_in_errors (void **state)
{
    (void) state;
    const char *environment[] = { "KEFU_TICKETS_DSN", "password=hunter2", "KEFU_HTTP_PORT", "x", NULL };
    char *error = NULL;
    kefu_config_t *config = kefu_config_new_with (lookup_in, environment, &error);
    assert_null (config);
    assert_null (strstr (error, "hunter2"));
    free (error);
}

/*  The README's configuration table names every variable. */
static void
test_readme_documents_every_variable (void **state)
{
    (void) state;
    FILE *file = fopen ("README.md", "r");
    assert_non_null (file);
    static char readme[256 * 1024];
    size_t size = fread (readme, 1, sizeof readme - 1, file);
    fclose (file);
    readme[size] = '\0';
    size_t count;
    const kefu_config_entry_t *table = kefu_config_table (&count);
    for (size_t i = 0; i < count; i++) {
        char cell[128];
        snprintf (cell, sizeof cell, "`%s`", table[i].name);
        if (!strstr (readme, cell))
            fail_msg ("README.md does not document %s", table[i].name);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_defaults_from_design),
        cmocka_unit_test (test_values_override_defaults),
        cmocka_unit_test (test_bad_integer_refused_with_name),
        cmocka_unit_test (test_service_dsn_falls_back_to_database_url),
        cmocka_unit_test (test_secret_read_from_file),
        cmocka_unit_test (test_secret_not_echoed_in_errors),
        cmocka_unit_test (test_readme_documents_every_variable),
    };
    return cmocka_run_group_tests_name ("config", tests, NULL, NULL);
}
