/*  webhooks_backoff: when a failed delivery is tried again.
 *
 *  Exponential backoff with full jitter: after the n-th failed attempt
 *  (n = 1, 2, ...) the next one waits a uniformly random time from 0 to
 *  min(base * 2^(n-1), max). The doubling spreads attempts over the whole
 *  retry window (KEFU_WEBHOOKS_GIVE_UP_S) with a bounded number of them;
 *  the jitter keeps the deliveries of many events to one receiver that
 *  failed together from coming back together and knocking it over again.
 */
#ifndef WEBHOOKS_BACKOFF_H_INCLUDED
#define WEBHOOKS_BACKOFF_H_INCLUDED

#include <stdint.h>

/*  The upper bound of the wait after `failures` failed attempts (at least
 *  1): min(base_ms * 2^(failures-1), max_ms), without overflow. */
int64_t webhooks_backoff_cap_ms (uint32_t failures, int64_t base_ms, int64_t max_ms);

/*  A random wait from 0 to webhooks_backoff_cap_ms (...), inclusive. */
int64_t webhooks_backoff_delay_ms (uint32_t failures, int64_t base_ms, int64_t max_ms);

#endif
