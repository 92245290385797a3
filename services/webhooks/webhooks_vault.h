/*  webhooks_vault: the webhooks' signing secrets, made and kept sealed.
 *
 *  A webhook's secret is shown to the integrator once, at creation, and
 *  is needed again at every delivery to sign it, so it must be stored in
 *  a form the service can read back. It is stored sealed with
 *  XChaCha20-Poly1305 (libsodium's crypto_aead_xchacha20poly1305_ietf)
 *  under a 32-byte key from KEFU_WEBHOOKS_SECRET_KEY, with a random nonce
 *  per secret and the webhook id as associated data, so a copied database
 *  (a backup, a replica) reveals no secret without the key, and a sealed
 *  secret moved to another webhook's row does not open.
 *
 *  The key lives in memory locked against swapping (sodium_malloc) and is
 *  wiped when the vault is destroyed. A vault is read-only after creation
 *  and may be shared between threads.
 */
#ifndef WEBHOOKS_VAULT_H_INCLUDED
#define WEBHOOKS_VAULT_H_INCLUDED

#include <stddef.h>

enum {
    /*  "whsec_" and 64 hex digits (32 random bytes), and a NUL. */
    WEBHOOKS_SECRET_SIZE = 6 + 64 + 1,
    /*  "wh_" and 24 hex digits (12 random bytes), and a NUL. */
    WEBHOOKS_ID_SIZE = 3 + 24 + 1
};

typedef struct _webhooks_vault_t webhooks_vault_t;

/*  A vault for the key given as 64 hex digits. Returns NULL if the text is
 *  not exactly that (or out of memory), with a static reason in *problem
 *  that never contains the key. sodium_init() must have succeeded. */
webhooks_vault_t *webhooks_vault_new (const char *key_hex, const char **problem);
void webhooks_vault_destroy (webhooks_vault_t **self_p);

/*  A new random webhook id and secret. */
void webhooks_vault_new_id (char id[WEBHOOKS_ID_SIZE]);
void webhooks_vault_new_secret (char secret[WEBHOOKS_SECRET_SIZE]);

/*  Seal `secret` for webhook `webhook_id`. Returns the sealed bytes
 *  (nonce, then ciphertext and tag; the caller frees) and their size in
 *  *size, or NULL when out of memory. */
unsigned char *webhooks_vault_seal (webhooks_vault_t *self, const char *webhook_id,
                                    const char *secret, size_t *size);

/*  Open a sealed secret of webhook `webhook_id` into `secret`. Returns 0,
 *  or -1 if it does not open (another key, another webhook, corrupted). */
int webhooks_vault_open (webhooks_vault_t *self, const char *webhook_id,
                         const unsigned char *sealed, size_t size,
                         char secret[WEBHOOKS_SECRET_SIZE]);

#endif
