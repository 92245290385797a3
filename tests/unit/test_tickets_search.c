/*  Unit tests of what ticket search and standard replies share with the
 *  rest of the service: the LIKE pattern of a text query (wildcards in q
 *  match themselves), and tickets_replies_citable, the contract ticket
 *  comments rely on (TKT-10), against a real PostgreSQL
 *  (KEFU_TEST_DSN_ADMIN) with the tickets migrations in a scratch schema.
 */
#include "tickets_replies.h"
#include "tickets_search.h"

#include "kefu_db.h"
#include "kefu_migrate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

extern const kefu_migration_t tickets_migrations[];
extern const size_t tickets_migrations_count;

enum { CONNECT_TIMEOUT_MS = 5000 };
static const char SCRATCH_SCHEMA[] = "unittickets_search";

/* --- LIKE patterns ------------------------------------------------------------ */

static void
check_pattern (const char *q, const char *expected)
{
    char pattern[TICKETS_SEARCH_PATTERN_SIZE];
    tickets_search_like_pattern (q, pattern);
    assert_string_equal (pattern, expected);
}

static void
test_like_pattern_escapes_wildcards (void **state)
{
    (void) state;
    check_pattern ("退款", "%退款%");
    check_pattern ("100%", "%100\\%%");
    check_pattern ("a_b", "%a\\_b%");
    check_pattern ("c\\d", "%c\\\\d%");
    check_pattern ("%_\\", "%\\%\\_\\\\%");
    check_pattern ("", "%%");
}

static void
test_like_pattern_fits_the_longest_query (void **state)
{
    (void) state;
    /*  The worst case: TICKETS_SEARCH_Q_MAX characters that all need
     *  escaping, and as many of the longest UTF-8 characters. */
    char q[TICKETS_SEARCH_Q_MAX * TICKETS_SEARCH_UTF8_MAX + 1];
    memset (q, '%', TICKETS_SEARCH_Q_MAX);
    q[TICKETS_SEARCH_Q_MAX] = '\0';
    char pattern[TICKETS_SEARCH_PATTERN_SIZE];
    tickets_search_like_pattern (q, pattern);
    assert_int_equal (strlen (pattern), 2 * TICKETS_SEARCH_Q_MAX + 2);
    q[0] = '\0';
    for (int i = 0; i < TICKETS_SEARCH_Q_MAX; i++)
        strcat (q, "\xF0\x9F\x98\x80");    /* U+1F600, four bytes */
    tickets_search_like_pattern (q, pattern);
    assert_int_equal (strlen (pattern), TICKETS_SEARCH_Q_MAX * TICKETS_SEARCH_UTF8_MAX + 2);
}

/* --- tickets_replies_citable ---------------------------------------------------- */

static int
schema_setup (void **state)
{
    const char *dsn = getenv ("KEFU_TEST_DSN_ADMIN");
    if (!dsn) {
        fprintf (stderr, "KEFU_TEST_DSN_ADMIN is not set: run through `make test`\n");
        return -1;
    }
    kefu_db_t *admin = kefu_db_new (dsn, NULL);
    int dropped = admin && kefu_db_connect (admin, CONNECT_TIMEOUT_MS) == 0
               && kefu_db_exec_script (admin, "DROP SCHEMA IF EXISTS unittickets_search CASCADE") == 0;
    kefu_db_destroy (&admin);
    if (!dropped)
        return -1;
    kefu_db_t *db = kefu_db_new (dsn, SCRATCH_SCHEMA);
    if (!db || kefu_db_connect (db, CONNECT_TIMEOUT_MS) != 0
    ||  kefu_migrate_apply (db, SCRATCH_SCHEMA, tickets_migrations, tickets_migrations_count) < 0) {
        kefu_db_destroy (&db);
        return -1;
    }
    /*  Reply 1: version 1 retired, 2 approved, 3 a draft. */
    const char *rows =
        "INSERT INTO replies (id, revision, latest_version, created_by, created_at) "
        "  VALUES (1, 4, 3, 'A1', now());"
        "INSERT INTO reply_versions (reply_id, version, category, title, body, state, author_staff_id, "
        "  approved_by, approved_at, retired_by, retired_at, created_at) VALUES "
        "  (1, 1, 'billing', 't1', 'b1', 'retired', 'A1', 'S1', now(), 'S1', now(), now()), "
        "  (1, 2, 'billing', 't2', 'b2', 'approved', 'A1', 'S2', now(), '', NULL, now()), "
        "  (1, 3, 'billing', 't3', 'b3', 'draft', 'A2', '', NULL, '', NULL, now());";
    if (kefu_db_exec_script (db, rows) != 0) {
        kefu_db_destroy (&db);
        return -1;
    }
    *state = db;
    return 0;
}

static int
schema_teardown (void **state)
{
    kefu_db_t *db = *state;
    kefu_db_exec_script (db, "DROP SCHEMA IF EXISTS unittickets_search CASCADE");
    kefu_db_destroy (&db);
    return 0;
}

static bool
citable (kefu_db_t *db, int64_t reply_id, int64_t version)
{
    bool answer = true;
    assert_int_equal (tickets_replies_citable (db, reply_id, version, &answer), 0);
    return answer;
}

/*  TKT-10: a comment may cite an approved version, and nothing else. */
static void
test_citable_only_an_approved_version (void **state)
{
    kefu_db_t *db = *state;
    assert_true (citable (db, 1, 2));
    assert_false (citable (db, 1, 1));      /* retired */
    assert_false (citable (db, 1, 3));      /* draft */
    assert_false (citable (db, 1, 4));      /* no such version */
    assert_false (citable (db, 2, 1));      /* no such reply */
    assert_false (citable (db, 1, 0));      /* not a version number */
    assert_false (citable (db, -1, 2));
    assert_false (citable (db, 1, (int64_t) INT32_MAX + 1));
}

/*  The answer holds until the citing transaction ends: a retirement
 *  waits for it (the version is locked FOR SHARE). */
static void
test_citable_locks_the_version (void **state)
{
    kefu_db_t *db = *state;
    assert_int_equal (kefu_db_begin (db), 0);
    assert_true (citable (db, 1, 2));
    kefu_db_t *other = kefu_db_new (getenv ("KEFU_TEST_DSN_ADMIN"), SCRATCH_SCHEMA);
    assert_non_null (other);
    assert_int_equal (kefu_db_connect (other, CONNECT_TIMEOUT_MS), 0);
    assert_int_equal (kefu_db_exec_script (other, "SET lock_timeout = '200ms'"), 0);
    assert_int_not_equal (kefu_db_exec_script (other, "UPDATE reply_versions SET state = 'retired', "
                                                      "retired_by = 'S1', retired_at = now() "
                                                      "WHERE reply_id = 1 AND version = 2"), 0);
    assert_string_equal (kefu_db_sqlstate (other), "55P03");   /* lock_not_available */
    kefu_db_rollback (db);
    kefu_db_destroy (&other);
}

int
main (void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test (test_like_pattern_escapes_wildcards),
        cmocka_unit_test (test_like_pattern_fits_the_longest_query),
    };
    const struct CMUnitTest database[] = {
        cmocka_unit_test (test_citable_only_an_approved_version),
        cmocka_unit_test (test_citable_locks_the_version),
    };
    int failed = cmocka_run_group_tests_name ("tickets_search", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name ("tickets_replies_citable", database, schema_setup, schema_teardown);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
