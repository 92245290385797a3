/*  webhooks_signature: the Kefu-Signature header of a delivery.
 *
 *  The scheme (documented for integrators in the README):
 *
 *      Kefu-Timestamp: <t>            Unix time in seconds when the attempt was sent
 *      Kefu-Signature: v1=<hex>       lower-case hex of
 *                                     HMAC-SHA256(key = the secret, message = "<t>.<body>")
 *
 *  The key is the whole secret string exactly as returned at creation
 *  ("whsec_" and 64 hex digits, as ASCII bytes; not hex-decoded), the
 *  message the decimal timestamp, a full stop, and the raw request body
 *  bytes. A receiver recomputes it over the body as received, compares in
 *  constant time, and refuses a timestamp more than five minutes from its
 *  clock (a replayed request). "v1" names the scheme, so a later one can be
 *  added beside it.
 */
#ifndef WEBHOOKS_SIGNATURE_H_INCLUDED
#define WEBHOOKS_SIGNATURE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

/*  Room for "v1=", 64 hex digits and a NUL. */
enum { WEBHOOKS_SIGNATURE_SIZE = 3 + 64 + 1 };

/*  Write the Kefu-Signature value for `body` (`size` bytes) sent at
 *  `timestamp` under `secret` into `out`. */
void webhooks_signature_compute (const char *secret, int64_t timestamp, const void *body,
                                 size_t size, char out[WEBHOOKS_SIGNATURE_SIZE]);

#endif
