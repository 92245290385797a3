/*  Unit tests of scheduling_password: the weak-password rule and Argon2id
 *  hashing (SCH-2).
 */
#include "scheduling_handlers.h"
#include "scheduling_password.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

enum { MIN_LENGTH = 10 };

static int
setup (void **state)
{
    (void) state;
    return sodium_init () < 0 ? -1 : 0;
}

static void
test_weak_passwords_refused (void **state)
{
    (void) state;
    assert_non_null (scheduling_password_weakness ("Short1!", "A1001", MIN_LENGTH));
    /*  Counted in characters: ten Chinese characters are long enough. */
    assert_null (scheduling_password_weakness ("客服中心值班表七号线路", "A1001", MIN_LENGTH));
    assert_non_null (scheduling_password_weakness ("客服中心", "A1001", MIN_LENGTH));
    assert_non_null (scheduling_password_weakness ("a10012345678", "A10012345678", MIN_LENGTH));
    assert_non_null (scheduling_password_weakness ("PASSWORD123", "A1001", MIN_LENGTH));
    assert_non_null (scheduling_password_weakness ("woaini1314", "A1001", MIN_LENGTH));
    assert_non_null (scheduling_password_weakness ("\xff\xfe invalid utf-8", "A1001", MIN_LENGTH));
    char long_password[SCHEDULING_PASSWORD_MAX + 2];
    memset (long_password, 'x', sizeof long_password - 1);
    long_password[sizeof long_password - 1] = '\0';
    assert_non_null (scheduling_password_weakness (long_password, "A1001", MIN_LENGTH));
    assert_null (scheduling_password_weakness ("correct horse battery", "A1001", MIN_LENGTH));
}

static void
test_argon2id_hash_verifies_and_never_contains_the_password (void **state)
{
    (void) state;
    char hash[SCHEDULING_PASSWORD_HASH_SIZE];
    assert_int_equal (scheduling_password_hash ("correct horse battery", hash), 0);
    assert_int_equal (strncmp (hash, "$argon2id$", strlen ("$argon2id$")), 0);
    assert_null (strstr (hash, "correct"));
    assert_true (scheduling_password_verify (hash, "correct horse battery"));
    assert_false (scheduling_password_verify (hash, "correct horse batterY"));
    assert_false (scheduling_password_needs_rehash (hash));
    /*  A hash made with weaker limits is upgraded at the next log-in. */
    char weak[SCHEDULING_PASSWORD_HASH_SIZE];
    assert_int_equal (crypto_pwhash_str (weak, "pw", 2, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
    assert_true (scheduling_password_needs_rehash (weak));
}

static void
test_shift_bound_roles (void **state)
{
    (void) state;
    kefu_roles_t exempt = KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN;
    assert_true (scheduling_shift_bound (KEFU_ROLE_AGENT, exempt));
    assert_true (scheduling_shift_bound (KEFU_ROLE_SHIFT_LEAD, exempt));
    assert_false (scheduling_shift_bound (KEFU_ROLE_AGENT | KEFU_ROLE_SUPERVISOR, exempt));
    assert_false (scheduling_shift_bound (KEFU_ROLE_AUDITOR, exempt));
    assert_true (scheduling_staff_no_valid ("A1001"));
    assert_false (scheduling_staff_no_valid ("A 1001"));
    assert_false (scheduling_staff_no_valid (""));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_weak_passwords_refused),
        cmocka_unit_test (test_argon2id_hash_verifies_and_never_contains_the_password),
        cmocka_unit_test (test_shift_bound_roles),
    };
    return cmocka_run_group_tests (tests, setup, NULL);
}
