/*  Unit tests of kefu_token and gateway_sessions: Ed25519 session tokens
 *  as scheduling signs them and the gateway verifies them (SCH-2), key
 *  rotation, revocations of a session and of a person, and the off-shift
 *  verdict for on-shift roles (AUD-2).
 */
#include "gateway_sessions.h"
#include "kefu_time.h"
#include "kefu_token.h"

#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const int64_t now_ms = 1800000000000LL;
static const int64_t hour_ms = 3600 * 1000LL;

typedef struct {
    char seed1[KEFU_TOKEN_ENTRY_SIZE], public1[KEFU_TOKEN_ENTRY_SIZE];
    char seed2[KEFU_TOKEN_ENTRY_SIZE], public2[KEFU_TOKEN_ENTRY_SIZE];
} keys_t;

static int
setup (void **state)
{
    static keys_t keys;
    if (sodium_init () < 0 || kefu_token_keygen ("k1", keys.seed1, keys.public1) != 0 ||
        kefu_token_keygen ("k2", keys.seed2, keys.public2) != 0)
        return -1;
    *state = &keys;
    return 0;
}

/*  A token for staff A1001 (agent unless roles say), signed by `seed`. */
static char *
make_token (const char *seed, const char *session_id, int64_t issued_ms, int64_t expires_ms,
            int64_t shift_from_ms, int64_t shift_until_ms)
{
    char *error = NULL;
    kefu_token_keys_t *signing = kefu_token_keys_new (seed, true, &error);
    assert_non_null (signing);
    char *roles[] = {"agent"};
    Kefu__V1__SessionClaims claims = KEFU__V1__SESSION_CLAIMS__INIT;
    claims.staff_id = 7;
    claims.staff_no = "A1001";
    claims.n_roles = 1;
    claims.roles = roles;
    claims.session_id = (char *)session_id;
    claims.terminal = "T-01";
    claims.issued_at_ms = issued_ms;
    claims.expires_at_ms = expires_ms;
    claims.shift_from_ms = shift_from_ms;
    claims.shift_until_ms = shift_until_ms;
    char *token = kefu_token_sign (signing, &claims);
    assert_non_null (token);
    kefu_token_keys_destroy (&signing);
    return token;
}

static gateway_sessions_t *
make_sessions (const char *public_keys)
{
    char *error = NULL;
    gateway_sessions_t *sessions = gateway_sessions_new (public_keys, &error);
    assert_non_null (sessions);
    return sessions;
}

static gateway_session_verdict_t
verify (gateway_sessions_t *sessions, const char *token, int64_t at_ms,
        gateway_session_identity_t *out)
{
    return gateway_sessions_verify (sessions, token, strlen (token), at_ms, out);
}

static void
test_valid_token_gives_identity (void **state)
{
    keys_t *keys = *state;
    char *token = make_token (keys->seed1, "s1", now_ms, now_ms + hour_ms, 0, 0);
    gateway_sessions_t *sessions = make_sessions (keys->public1);
    gateway_session_identity_t out;
    assert_int_equal (verify (sessions, token, now_ms, &out), GATEWAY_SESSION_VALID);
    assert_string_equal (out.identity.staff_id, "A1001");
    assert_string_equal (out.identity.session_id, "s1");
    assert_string_equal (out.identity.terminal, "T-01");
    assert_int_equal (out.identity.roles, KEFU_ROLE_AGENT);
    gateway_sessions_destroy (&sessions);
    gateway_sessions_destroy (&sessions);
    free (token);
}

static void
test_bad_signature_truncated_and_expired_refused (void **state)
{
    keys_t *keys = *state;
    char *token = make_token (keys->seed1, "s1", now_ms, now_ms + hour_ms, 0, 0);
    gateway_sessions_t *sessions = make_sessions (keys->public1);
    gateway_session_identity_t out;
    /*  Flip one bit of the claims: the signature no longer matches. */
    char *forged = strdup (token);
    forged[strlen ("v1.k1.") + 2] ^= 1;
    assert_int_equal (verify (sessions, forged, now_ms, &out), GATEWAY_SESSION_INVALID);
    forged[strlen (forged) - 3] = '\0';
    assert_int_equal (verify (sessions, forged, now_ms, &out), GATEWAY_SESSION_INVALID);
    assert_int_equal (verify (sessions, "v1.k1..", now_ms, &out), GATEWAY_SESSION_INVALID);
    assert_int_equal (verify (sessions, token, now_ms + hour_ms, &out), GATEWAY_SESSION_INVALID);
    free (forged);
    free (token);
    gateway_sessions_destroy (&sessions);
}

static void
test_rotated_out_key_refused_old_key_kept_verifies (void **state)
{
    keys_t *keys = *state;
    char *old = make_token (keys->seed1, "s1", now_ms, now_ms + hour_ms, 0, 0);
    char list[2 * KEFU_TOKEN_ENTRY_SIZE + 2];
    snprintf (list, sizeof list, "%s,%s", keys->public2, keys->public1);
    gateway_sessions_t *both = make_sessions (list);
    gateway_sessions_t *only_new = make_sessions (keys->public2);
    gateway_session_identity_t out;
    assert_int_equal (verify (both, old, now_ms, &out), GATEWAY_SESSION_VALID);
    assert_int_equal (verify (only_new, old, now_ms, &out), GATEWAY_SESSION_INVALID);
    /*  A key id naming key 2 with key 1's signature is forged. */
    char *swapped = strdup (old);
    swapped[4] = '2';
    assert_int_equal (verify (both, swapped, now_ms, &out), GATEWAY_SESSION_INVALID);
    free (swapped);
    free (old);
    gateway_sessions_destroy (&both);
    gateway_sessions_destroy (&only_new);
}

static void
test_revoked_session_and_person_refused (void **state)
{
    keys_t *keys = *state;
    char *first = make_token (keys->seed1, "s1", now_ms, now_ms + hour_ms, 0, 0);
    char *second = make_token (keys->seed1, "s2", now_ms, now_ms + hour_ms, 0, 0);
    gateway_sessions_t *sessions = make_sessions (keys->public1);
    gateway_session_identity_t out;
    Kefu__V1__SessionRevoked revoked = KEFU__V1__SESSION_REVOKED__INIT;
    revoked.session_id = "s1";
    revoked.staff_no = "A1001";
    revoked.revoked_at_ms = now_ms;
    revoked.expires_at_ms = now_ms + hour_ms;
    assert_int_equal (gateway_sessions_revoke (sessions, &revoked), 0);
    assert_int_equal (verify (sessions, first, now_ms, &out), GATEWAY_SESSION_INVALID);
    assert_int_equal (verify (sessions, second, now_ms, &out), GATEWAY_SESSION_VALID);
    /*  The person departs: every token issued until then is refused, one
     *  issued later (after reinstatement) is not. */
    revoked.session_id = "";
    revoked.revoked_at_ms = now_ms + 1;
    assert_int_equal (gateway_sessions_revoke (sessions, &revoked), 0);
    assert_int_equal (verify (sessions, second, now_ms, &out), GATEWAY_SESSION_INVALID);
    char *later = make_token (keys->seed1, "s3", now_ms + 2, now_ms + hour_ms, 0, 0);
    assert_int_equal (verify (sessions, later, now_ms + 2, &out), GATEWAY_SESSION_VALID);
    assert_int_equal (gateway_sessions_revocation_count (sessions), 2);
    free (first);
    free (second);
    free (later);
    gateway_sessions_destroy (&sessions);
}

static void
test_revocation_event_from_the_bus_applies (void **state)
{
    keys_t *keys = *state;
    char *token = make_token (keys->seed1, "s9", now_ms, now_ms + hour_ms, 0, 0);
    gateway_sessions_t *sessions = make_sessions (keys->public1);
    Kefu__V1__SessionRevoked revoked = KEFU__V1__SESSION_REVOKED__INIT;
    revoked.session_id = "s9";
    revoked.staff_no = "A1001";
    revoked.expires_at_ms = now_ms + hour_ms;
    uint8_t data[256];
    size_t size = kefu__v1__session_revoked__pack (&revoked, data);
    Kefu__V1__Event event = KEFU__V1__EVENT__INIT;
    event.source = "tickets"; /* not scheduling: ignored */
    event.type = "session.revoked";
    event.data.data = data;
    event.data.len = size;
    gateway_sessions_on_event (sessions, &event);
    gateway_session_identity_t out;
    assert_int_equal (verify (sessions, token, now_ms, &out), GATEWAY_SESSION_VALID);
    event.source = "scheduling";
    gateway_sessions_on_event (sessions, &event);
    assert_int_equal (verify (sessions, token, now_ms, &out), GATEWAY_SESSION_INVALID);
    free (token);
    gateway_sessions_destroy (&sessions);
}

static void
test_on_shift_window (void **state)
{
    /*  AUD-2: a bound token carries its shift window and ends with it. */
    keys_t *keys = *state;
    int64_t from = now_ms - hour_ms, until = now_ms + hour_ms;
    char *token = make_token (keys->seed1, "s1", now_ms, until, from, until);
    gateway_sessions_t *sessions = make_sessions (keys->public1);
    gateway_session_identity_t out;
    assert_int_equal (verify (sessions, token, now_ms, &out), GATEWAY_SESSION_VALID);
    assert_int_equal (verify (sessions, token, until, &out), GATEWAY_SESSION_OFF_SHIFT);
    assert_int_equal (verify (sessions, token, from - 1, &out), GATEWAY_SESSION_OFF_SHIFT);
    /*  A token whose own life ended inside the shift is merely expired. */
    char *short_lived = make_token (keys->seed1, "s2", now_ms, now_ms + 1, from, until);
    assert_int_equal (verify (sessions, short_lived, now_ms + 2, &out), GATEWAY_SESSION_INVALID);
    free (token);
    free (short_lived);
    gateway_sessions_destroy (&sessions);
}

static void
test_bad_key_lists_refused_without_showing_keys (void **state)
{
    keys_t *keys = *state;
    const char *bad[] = {"k1", "k1:abcd", "bad kid:00", ":00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *error = NULL;
        assert_null (gateway_sessions_new (bad[i], &error));
        assert_non_null (error);
        free (error);
    }
    char twice[2 * KEFU_TOKEN_ENTRY_SIZE + 2];
    snprintf (twice, sizeof twice, "%s,%s", keys->seed1, keys->seed1);
    char *error = NULL;
    assert_null (kefu_token_keys_new (twice, true, &error));
    assert_non_null (strstr (error, "twice"));
    assert_null (strstr (error, keys->seed1 + 3));
    free (error);
    gateway_sessions_t *none = make_sessions ("");
    assert_false (gateway_sessions_enabled (none));
    gateway_sessions_destroy (&none);
}

static void
test_stored_api_keys_cached_and_evicted (void **state)
{
    (void)state;
    gateway_sessions_t *sessions = make_sessions ("");
    gateway_sessions_set_key_cache_ms (sessions, 30000);
    char id[KEFU_API_KEY_ID_SIZE], key[KEFU_API_KEY_SIZE], other_id[KEFU_API_KEY_ID_SIZE],
        other[KEFU_API_KEY_SIZE], hash[KEFU_API_KEY_HASH_SIZE];
    kefu_token_api_key_new (id, key);
    kefu_token_api_key_new (other_id, other);
    assert_true (kefu_token_is_api_key (key, strlen (key)));
    assert_false (kefu_token_is_api_key (key, strlen (key) - 1));
    gateway_session_identity_t out;
    assert_int_equal (gateway_sessions_key_lookup (sessions, key, strlen (key), now_ms, hash, &out),
                      GATEWAY_KEY_UNRESOLVED);
    char *roles[] = {"integration"};
    Kefu__V1__ApiKey resolved = KEFU__V1__API_KEY__INIT;
    resolved.id = id;
    resolved.staff_no = "I7001";
    resolved.n_roles = 1;
    resolved.roles = roles;
    char created_at[KEFU_TIME_TEXT_SIZE];
    kefu_time_format_rfc3339 (now_ms, created_at);
    resolved.created_at = created_at;
    assert_int_equal (gateway_sessions_key_store (sessions, hash, &resolved, now_ms, &out), 0);
    assert_string_equal (out.identity.staff_id, "I7001");
    assert_int_equal (out.identity.roles, KEFU_ROLE_INTEGRATION);
    assert_int_equal (
        gateway_sessions_key_lookup (sessions, key, strlen (key), now_ms + 1, hash, &out),
        GATEWAY_KEY_KNOWN);
    /*  Unknown keys are remembered too, briefly. */
    char other_hash[KEFU_API_KEY_HASH_SIZE];
    gateway_sessions_key_lookup (sessions, other, strlen (other), now_ms, other_hash, &out);
    assert_int_equal (gateway_sessions_key_store (sessions, other_hash, NULL, now_ms, &out), 1);
    assert_int_equal (
        gateway_sessions_key_lookup (sessions, other, strlen (other), now_ms + 1, other_hash, &out),
        GATEWAY_KEY_REFUSED);
    assert_int_equal (gateway_sessions_key_lookup (sessions, other, strlen (other), now_ms + 30001,
                                                   other_hash, &out),
                      GATEWAY_KEY_UNRESOLVED);
    /*  The owner departs: the cached key is refused at once. */
    Kefu__V1__SessionRevoked revoked = KEFU__V1__SESSION_REVOKED__INIT;
    revoked.session_id = "";
    revoked.staff_no = "I7001";
    revoked.revoked_at_ms = now_ms + 2;
    revoked.expires_at_ms = now_ms + hour_ms;
    assert_int_equal (gateway_sessions_revoke (sessions, &revoked), 0);
    assert_int_equal (
        gateway_sessions_key_lookup (sessions, key, strlen (key), now_ms + 3, hash, &out),
        GATEWAY_KEY_UNRESOLVED);
    /*  An answer that raced the departure (the key made before it, the
     *  answer arriving after the event) is not believed. */
    assert_int_equal (gateway_sessions_key_store (sessions, hash, &resolved, now_ms + 5, &out), 1);
    gateway_sessions_destroy (&sessions);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_valid_token_gives_identity),
        cmocka_unit_test (test_bad_signature_truncated_and_expired_refused),
        cmocka_unit_test (test_rotated_out_key_refused_old_key_kept_verifies),
        cmocka_unit_test (test_revoked_session_and_person_refused),
        cmocka_unit_test (test_revocation_event_from_the_bus_applies),
        cmocka_unit_test (test_on_shift_window),
        cmocka_unit_test (test_bad_key_lists_refused_without_showing_keys),
        cmocka_unit_test (test_stored_api_keys_cached_and_evicted),
    };
    return cmocka_run_group_tests (tests, setup, NULL);
}
