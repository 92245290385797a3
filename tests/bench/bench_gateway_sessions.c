/*  bench_gateway_sessions: how many session tokens the gateway verifies per
 *  second (gateway_sessions_verify: Ed25519 signature, claims, revocation
 *  look-up), and what an Argon2id verification costs, the floor of a
 *  log-in's latency (SCH-2; slow by design).
 *
 *      build/release/bench/bench_gateway_sessions [seconds]
 *
 *  One thread, as the gateway's HTTP loop is one thread. The revocation set
 *  holds BENCH_REVOCATIONS logged-out sessions, a busy day's worth.
 */
#include "gateway_sessions.h"
#include "kefu_time.h"
#include "kefu_token.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    BENCH_REVOCATIONS = 10000,
    BENCH_DEFAULT_SECONDS = 3,
    BENCH_HASHES = 20,
    BENCH_BATCH = 1000,
    BENCH_ID_SIZE = 40
};

static double
seconds_now (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
    double seconds = argc > 1 ? atof (argv[1]) : BENCH_DEFAULT_SECONDS;
    char seed[KEFU_TOKEN_ENTRY_SIZE], public_key[KEFU_TOKEN_ENTRY_SIZE], *error = NULL;
    if (sodium_init () < 0 || kefu_token_keygen ("bench", seed, public_key) != 0)
        return EXIT_FAILURE;
    kefu_token_keys_t *signing = kefu_token_keys_new (seed, true, &error);
    gateway_sessions_t *sessions = gateway_sessions_new (public_key, &error);
    if (!signing || !sessions) {
        fprintf (stderr, "bench: %s\n", error ? error : "out of memory");
        return EXIT_FAILURE;
    }
    int64_t now_ms = kefu_time_now_ms ();
    char id[BENCH_ID_SIZE];
    for (int i = 0; i < BENCH_REVOCATIONS; i++) {
        snprintf (id, sizeof id, "%032x", i);
        Kefu__V1__SessionRevoked revoked = KEFU__V1__SESSION_REVOKED__INIT;
        revoked.session_id = id;
        revoked.staff_no = "A0000";
        revoked.revoked_at_ms = now_ms;
        revoked.expires_at_ms = now_ms + 3600 * 1000;
        gateway_sessions_revoke (sessions, &revoked);
    }
    char *roles[] = { "agent", "shift_lead" };
    Kefu__V1__SessionClaims claims = KEFU__V1__SESSION_CLAIMS__INIT;
    claims.staff_id = 42;
    claims.staff_no = "A1001";
    claims.n_roles = 2;
    claims.roles = roles;
    claims.session_id = "0123456789abcdef0123456789abcdef";
    claims.terminal = "T-0042";
    claims.issued_at_ms = now_ms;
    claims.expires_at_ms = now_ms + 3600 * 1000;
    claims.shift_from_ms = now_ms - 3600 * 1000;
    claims.shift_until_ms = claims.expires_at_ms;
    char *token = kefu_token_sign (signing, &claims);
    size_t length = strlen (token);

    gateway_session_identity_t out;
    long verified = 0;
    double start = seconds_now (), elapsed = 0;
    while (elapsed < seconds) {
        for (int i = 0; i < BENCH_BATCH; i++)
            if (gateway_sessions_verify (sessions, token, length, now_ms, &out) == GATEWAY_SESSION_VALID)
                verified++;
        elapsed = seconds_now () - start;
    }
    printf ("token verifications: %.0f per second, one thread (%zu-byte token, %d revocations held)\n",
            (double) verified / elapsed, length, BENCH_REVOCATIONS);

    /*  The login's floor: one Argon2id verification at the limits kefu uses. */
    char hash[crypto_pwhash_STRBYTES];
    const char password[] = "correct horse battery staple";
    if (crypto_pwhash_str (hash, password, strlen (password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return EXIT_FAILURE;
    start = seconds_now ();
    for (int i = 0; i < BENCH_HASHES; i++)
        if (crypto_pwhash_str_verify (hash, password, strlen (password)) != 0)
            return EXIT_FAILURE;
    printf ("argon2id verification (64 MiB, 2 passes): %.1f ms each\n",
            (seconds_now () - start) * 1000.0 / BENCH_HASHES);
    free (token);
    kefu_token_keys_destroy (&signing);
    gateway_sessions_destroy (&sessions);
    return EXIT_SUCCESS;
}
