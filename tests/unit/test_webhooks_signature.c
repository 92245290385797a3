/*  Unit tests of webhooks_signature and webhooks_vault: the Kefu-Signature
 *  header integrators verify, and the sealing of webhook secrets at rest.
 *
 *  The expected signatures were computed independently, with Python's
 *  standard library, when this test was written:
 *
 *      /usr/bin/python3 -c "import hmac, hashlib; print(hmac.new(SECRET,
 *          b'1700000000.' + BODY, hashlib.sha256).hexdigest())"
 *
 *  so the C code and the README's verification recipe agree by
 *  construction, not by sharing code.
 */
#include "webhooks_signature.h"
#include "webhooks_vault.h"

#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const char VECTOR_SECRET[] =
    "whsec_000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char VECTOR_BODY[] = "{\"specversion\":\"1.0\",\"id\":\"7f1c0a52-3d4e-4f6a-9b8c-"
                                  "0d1e2f3a4b5c\",\"type\":\"ticket.created\"}";
static const char VECTOR_SIGNATURE[] =
    "v1=561b58a63ba230ebf36eda63c62af01d9bbe98a160cee6ddb3ad7a1856e99973";
/*  HMAC-SHA256 (key "k", "0.") : a short key and an empty body. */
static const char SHORT_SIGNATURE[] =
    "v1=6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7";

static const char KEY_HEX[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char OTHER_KEY_HEX[] =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

static int
setup (void **state)
{
    (void)state;
    return sodium_init () < 0 ? -1 : 0;
}

/*  The whole secret string is the key; the message is "<t>.<body>". */
static void
test_signature_matches_python_hmac (void **state)
{
    (void)state;
    char signature[WEBHOOKS_SIGNATURE_SIZE];
    webhooks_signature_compute (VECTOR_SECRET, 1700000000, VECTOR_BODY, strlen (VECTOR_BODY),
                                signature);
    assert_string_equal (signature, VECTOR_SIGNATURE);
    webhooks_signature_compute ("k", 0, "", 0, signature);
    assert_string_equal (signature, SHORT_SIGNATURE);
}

/*  Another timestamp or one changed byte of the body gives another
 *  signature: a replayed or altered request does not verify. */
static void
test_signature_binds_timestamp_and_body (void **state)
{
    (void)state;
    char original[WEBHOOKS_SIGNATURE_SIZE], changed[WEBHOOKS_SIGNATURE_SIZE];
    webhooks_signature_compute (VECTOR_SECRET, 1700000000, VECTOR_BODY, strlen (VECTOR_BODY),
                                original);
    webhooks_signature_compute (VECTOR_SECRET, 1700000001, VECTOR_BODY, strlen (VECTOR_BODY),
                                changed);
    assert_string_not_equal (original, changed);
    char body[sizeof VECTOR_BODY];
    memcpy (body, VECTOR_BODY, sizeof body);
    body[10] ^= 1;
    webhooks_signature_compute (VECTOR_SECRET, 1700000000, body, strlen (body), changed);
    assert_string_not_equal (original, changed);
}

static void
test_new_secret_and_id_have_their_shape (void **state)
{
    (void)state;
    char secret[WEBHOOKS_SECRET_SIZE], other[WEBHOOKS_SECRET_SIZE], id[WEBHOOKS_ID_SIZE];
    webhooks_vault_new_secret (secret);
    webhooks_vault_new_secret (other);
    webhooks_vault_new_id (id);
    assert_int_equal (strlen (secret), WEBHOOKS_SECRET_SIZE - 1);
    assert_memory_equal (secret, "whsec_", 6);
    assert_int_equal (strspn (secret + 6, "0123456789abcdef"), 64);
    assert_string_not_equal (secret, other);
    assert_int_equal (strlen (id), WEBHOOKS_ID_SIZE - 1);
    assert_memory_equal (id, "wh_", 3);
    assert_int_equal (strspn (id + 3, "0123456789abcdef"), 24);
}

/*  A sealed secret opens with the key and the webhook it was sealed for,
 *  and with nothing else. */
static void
test_vault_seals_and_opens_only_for_its_webhook (void **state)
{
    (void)state;
    const char *problem = NULL;
    webhooks_vault_t *vault = webhooks_vault_new (KEY_HEX, &problem);
    webhooks_vault_t *other = webhooks_vault_new (OTHER_KEY_HEX, &problem);
    assert_non_null (vault);
    assert_non_null (other);
    size_t size = 0;
    unsigned char *sealed =
        webhooks_vault_seal (vault, "wh_000000000000000000000001", VECTOR_SECRET, &size);
    assert_non_null (sealed);
    assert_null (memmem (sealed, size, VECTOR_SECRET, strlen (VECTOR_SECRET)));
    char opened[WEBHOOKS_SECRET_SIZE];
    assert_int_equal (
        webhooks_vault_open (vault, "wh_000000000000000000000001", sealed, size, opened), 0);
    assert_string_equal (opened, VECTOR_SECRET);
    assert_int_equal (
        webhooks_vault_open (vault, "wh_000000000000000000000002", sealed, size, opened), -1);
    assert_string_equal (opened, "");
    assert_int_equal (
        webhooks_vault_open (other, "wh_000000000000000000000001", sealed, size, opened), -1);
    sealed[size - 1] ^= 1;
    assert_int_equal (
        webhooks_vault_open (vault, "wh_000000000000000000000001", sealed, size, opened), -1);
    assert_int_equal (webhooks_vault_open (vault, "wh_000000000000000000000001", sealed, 3, opened),
                      -1);
    free (sealed);
    webhooks_vault_destroy (&vault);
    webhooks_vault_destroy (&other);
    assert_null (vault);
    webhooks_vault_destroy (&vault); /* safe twice */
}

/*  The service refuses to start without a proper key, and says why
 *  without echoing it. */
static void
test_vault_refuses_missing_or_malformed_key (void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "00",
        "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddee f",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *problem = NULL;
        assert_null (webhooks_vault_new (bad[i], &problem));
        assert_non_null (problem);
        assert_non_null (strstr (problem, "KEFU_WEBHOOKS_SECRET_KEY"));
        if (*bad[i])
            assert_null (strstr (problem, bad[i]));
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_signature_matches_python_hmac),
        cmocka_unit_test (test_signature_binds_timestamp_and_body),
        cmocka_unit_test (test_new_secret_and_id_have_their_shape),
        cmocka_unit_test (test_vault_seals_and_opens_only_for_its_webhook),
        cmocka_unit_test (test_vault_refuses_missing_or_malformed_key),
    };
    return cmocka_run_group_tests (tests, setup, NULL);
}
