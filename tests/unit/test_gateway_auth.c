/*  Unit tests for gateway_auth: parsing KEFU_API_KEYS strictly, finding a
 *  key by its secret, and roles (SCH-1 role names; SCH-2 credentials are
 *  personal, so a bad or shared key list is refused at start).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_auth.h"

#define SECRET_A "aaaaaaaaaaaaaaaa-1"
#define SECRET_B "bbbbbbbbbbbbbbbb-2"
#define SECRET_C "cccc:cccc:cccc:cccc"

/*  Assert that `keys` is refused, that the message mentions `expected`
 *  and that it never shows `secret`. */
static void
assert_keys_refused (const char *keys, const char *expected, const char *secret)
{
    char *error = NULL;
    gateway_auth_t *auth = gateway_auth_new (keys, &error);
    assert_null (auth);
    assert_non_null (error);
    if (!strstr (error, expected))
        fail_msg ("error \"%s\" does not mention \"%s\"", error, expected);
    if (secret && strstr (error, secret))
        fail_msg ("error \"%s\" shows the secret", error);
    free (error);
}

/*  Well-formed entries, separated by commas or newlines with blanks around,
 *  all parse; a secret may contain colons. */
static void
test_good_key_list_parses (void **state)
{
    (void)state;
    char *error = NULL;
    gateway_auth_t *auth = gateway_auth_new (" crm:integration:S-900:" SECRET_A ",\n"
                                             "desk.1:agent:A01:" SECRET_B "\r\n"
                                             "lead:shift_lead:L07:" SECRET_C ",",
                                             &error);
    assert_non_null (auth);
    assert_null (error);
    assert_int_equal (gateway_auth_count (auth), 3);

    const gateway_identity_t *identity = gateway_auth_lookup (auth, SECRET_C, strlen (SECRET_C));
    assert_non_null (identity);
    assert_string_equal (identity->name, "lead");
    assert_string_equal (identity->staff_id, "L07");
    assert_int_equal (identity->roles, KEFU_ROLE_SHIFT_LEAD);
    gateway_auth_destroy (&auth);
    assert_null (auth);
    gateway_auth_destroy (&auth); /* safe twice */
}

/*  An empty list is valid (every protected route answers 401). */
static void
test_empty_key_list_is_valid (void **state)
{
    (void)state;
    char *error = NULL;
    gateway_auth_t *auth = gateway_auth_new ("", &error);
    assert_non_null (auth);
    assert_int_equal (gateway_auth_count (auth), 0);
    assert_null (gateway_auth_lookup (auth, SECRET_A, strlen (SECRET_A)));
    gateway_auth_destroy (&auth);
}

/*  Each malformed entry stops the gateway with a clear message. */
static void
test_bad_entries_are_refused (void **state)
{
    (void)state;
    assert_keys_refused ("crm:integration:" SECRET_A, "not name:role:staff_id:secret", SECRET_A);
    assert_keys_refused ("crm:wizard:S1:" SECRET_A, "unknown role", SECRET_A);
    assert_keys_refused ("c rm:agent:S1:" SECRET_A, "name", SECRET_A);
    assert_keys_refused (":agent:S1:" SECRET_A, "name", SECRET_A);
    assert_keys_refused ("crm:agent::" SECRET_A, "staff id", SECRET_A);
    assert_keys_refused ("crm:agent:S1:", "secret", NULL);
    assert_keys_refused ("crm:agent:S1:short-secret", "at least", "short-secret");
    assert_keys_refused ("crm:agent:S1:has a space in it!", "visible ASCII", "has a space");
    /*  The second entry is at fault, and the message says so. */
    assert_keys_refused ("ok:agent:S1:" SECRET_A ",bad:agent:S2:tiny", "entry 2", "tiny");
}

/*  Secrets are at least GATEWAY_AUTH_SECRET_MIN characters. */
static void
test_secret_shorter_than_minimum_is_refused (void **state)
{
    (void)state;
    char keys[64];
    char secret[GATEWAY_AUTH_SECRET_MIN + 1];
    memset (secret, 'x', sizeof secret - 1);
    secret[GATEWAY_AUTH_SECRET_MIN - 1] = '\0'; /* one short */
    snprintf (keys, sizeof keys, "crm:agent:S1:%s", secret);
    assert_keys_refused (keys, "secret", secret);

    secret[GATEWAY_AUTH_SECRET_MIN - 1] = 'x'; /* exactly the minimum */
    secret[GATEWAY_AUTH_SECRET_MIN] = '\0';
    snprintf (keys, sizeof keys, "crm:agent:S1:%s", secret);
    char *error = NULL;
    gateway_auth_t *auth = gateway_auth_new (keys, &error);
    assert_non_null (auth);
    gateway_auth_destroy (&auth);
}

/*  Two keys may not share a name, nor a secret (credentials are personal). */
static void
test_duplicates_are_refused (void **state)
{
    (void)state;
    assert_keys_refused ("crm:agent:S1:" SECRET_A ",crm:agent:S2:" SECRET_B, "already used",
                         SECRET_B);
    assert_keys_refused ("one:agent:S1:" SECRET_A ",two:agent:S2:" SECRET_A, "same secret",
                         SECRET_A);
}

/*  Lookup finds exactly the key whose secret was presented, whichever
 *  position it has, and nothing for a wrong, partial or longer secret. */
static void
test_lookup_finds_only_the_exact_secret (void **state)
{
    (void)state;
    char *error = NULL;
    gateway_auth_t *auth = gateway_auth_new (
        "a:agent:A1:" SECRET_A ",b:auditor:B1:" SECRET_B ",c:admin:C1:" SECRET_C, &error);
    assert_non_null (auth);
    const char *secrets[] = {SECRET_A, SECRET_B, SECRET_C};
    const char *names[] = {"a", "b", "c"};
    for (size_t i = 0; i < 3; i++) {
        const gateway_identity_t *identity =
            gateway_auth_lookup (auth, secrets[i], strlen (secrets[i]));
        assert_non_null (identity);
        assert_string_equal (identity->name, names[i]);
    }
    assert_null (gateway_auth_lookup (auth, SECRET_A, strlen (SECRET_A) - 1));
    assert_null (gateway_auth_lookup (auth, SECRET_A "x", strlen (SECRET_A) + 1));
    assert_null (gateway_auth_lookup (auth, "wrong-secret-value", strlen ("wrong-secret-value")));
    assert_null (gateway_auth_lookup (auth, "", 0));
    assert_null (gateway_auth_lookup (auth, NULL, 0));
    gateway_auth_destroy (&auth);
}

/*  The constant-time path compares with every key: with many keys, the
 *  first, the last, and none all take the full scan and still pick the
 *  right one (a functional check; timing is not measured here). */
static void
test_lookup_scans_all_keys (void **state)
{
    (void)state;
    enum { KEY_COUNT = 200 };
    char *keys = malloc (KEY_COUNT * 64);
    assert_non_null (keys);
    keys[0] = '\0';
    for (int i = 0; i < KEY_COUNT; i++) {
        char entry[64];
        snprintf (entry, sizeof entry, "%sk%d:agent:S%d:secret-number-%08d", i ? "," : "", i, i, i);
        strcat (keys, entry);
    }
    char *error = NULL;
    gateway_auth_t *auth = gateway_auth_new (keys, &error);
    free (keys);
    assert_non_null (auth);
    assert_int_equal (gateway_auth_count (auth), KEY_COUNT);
    const int probes[] = {0, 1, KEY_COUNT / 2, KEY_COUNT - 1};
    for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
        char secret[32];
        char name[16];
        snprintf (secret, sizeof secret, "secret-number-%08d", probes[p]);
        snprintf (name, sizeof name, "k%d", probes[p]);
        const gateway_identity_t *identity = gateway_auth_lookup (auth, secret, strlen (secret));
        assert_non_null (identity);
        assert_string_equal (identity->name, name);
    }
    assert_null (gateway_auth_lookup (auth, "secret-number-99999999", 22));
    gateway_auth_destroy (&auth);
}

/*  The Authorization header: "Bearer <secret>", scheme in any case. */
static void
test_bearer_header_is_parsed (void **state)
{
    (void)state;
    char *error = NULL;
    gateway_auth_t *auth = gateway_auth_new ("crm:integration:S-900:" SECRET_A, &error);
    assert_non_null (auth);
    assert_non_null (gateway_auth_authenticate (auth, "Bearer " SECRET_A));
    assert_non_null (gateway_auth_authenticate (auth, "bearer  " SECRET_A " "));
    assert_null (gateway_auth_authenticate (auth, NULL));
    assert_null (gateway_auth_authenticate (auth, SECRET_A));
    assert_null (gateway_auth_authenticate (auth, "Basic " SECRET_A));
    assert_null (gateway_auth_authenticate (auth, "Bearer"));
    assert_null (gateway_auth_authenticate (auth, "Bearer "));
    assert_null (gateway_auth_authenticate (auth, "Bearer" SECRET_A));
    assert_null (gateway_auth_authenticate (auth, "Bearer " SECRET_B));
    gateway_auth_destroy (&auth);
}

/*  Role names round-trip (SCH-1). */
static void
test_role_names_round_trip (void **state)
{
    (void)state;
    const char *names[] = {"agent",     "shift_lead", "supervisor", "manager",
                           "archivist", "auditor",    "admin",      "integration"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kefu_role_t role;
        assert_true (kefu_role_from_name (names[i], strlen (names[i]), &role));
        assert_string_equal (kefu_role_name (role), names[i]);
    }
    kefu_role_t role;
    assert_false (kefu_role_from_name ("Agent", 5, &role));
    assert_false (kefu_role_from_name ("agen", 4, &role));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_good_key_list_parses),
        cmocka_unit_test (test_empty_key_list_is_valid),
        cmocka_unit_test (test_bad_entries_are_refused),
        cmocka_unit_test (test_secret_shorter_than_minimum_is_refused),
        cmocka_unit_test (test_duplicates_are_refused),
        cmocka_unit_test (test_lookup_finds_only_the_exact_secret),
        cmocka_unit_test (test_lookup_scans_all_keys),
        cmocka_unit_test (test_bearer_header_is_parsed),
        cmocka_unit_test (test_role_names_round_trip),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
