/*  webhooks_backoff: exponential backoff with full jitter. See
 *  webhooks_backoff.h.
 */
#include "webhooks_backoff.h"

#include <sodium.h>

int64_t
webhooks_backoff_cap_ms (uint32_t failures, int64_t base_ms, int64_t max_ms)
{
    int64_t cap = base_ms > 0 ? base_ms : 1;
    /*  Double until the cap is reached; at most 63 doublings matter. */
    for (uint32_t i = 1; i < failures && cap < max_ms; i++)
        cap = cap > max_ms / 2 ? max_ms : cap * 2;
    return cap < max_ms ? cap : max_ms;
}

int64_t
webhooks_backoff_delay_ms (uint32_t failures, int64_t base_ms, int64_t max_ms)
{
    int64_t cap = webhooks_backoff_cap_ms (failures, base_ms, max_ms);
    /*  Caps are bounded by KEFU_WEBHOOKS_BACKOFF_MAX_MS (one day), far
     *  below randombytes_uniform's 32-bit range. */
    uint32_t bound = cap >= (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)cap + 1;
    return (int64_t)randombytes_uniform (bound);
}
