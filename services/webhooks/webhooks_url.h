/*  webhooks_url: which URLs a webhook may point at (the SSRF guard).
 *
 *  A webhook makes kefu send HTTP requests to an address an integrator
 *  chose, from inside the operator's network. Without a guard, a webhook
 *  could reach the database, the services' ZeroMQ ports, a cloud metadata
 *  endpoint or an intranet site. So:
 *
 *  - the URL is parsed strictly (webhooks_url_parse): http or https only,
 *    a host, no user information, no fragment, a port from 1 to 65535,
 *    printable ASCII only (internationalised names in their xn-- form), at
 *    most WEBHOOKS_URL_MAX bytes; a host is a DNS name, a dotted-quad IPv4
 *    address or a bracketed IPv6 address, never one of the odd numeric
 *    forms resolvers accept ("2130706433", "0x7f.1", "127.1");
 *  - every address the host resolves to is classified
 *    (webhooks_address_classify): loopback, private (RFC 1918), shared
 *    (100.64/10), link-local and unique-local addresses are PRIVATE,
 *    refused unless KEFU_WEBHOOKS_ALLOW_PRIVATE; unspecified, multicast,
 *    broadcast and reserved addresses are FORBIDDEN, refused always (no
 *    receiver can live there). IPv6 forms that embed an IPv4 address
 *    (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4
 *    2002::/16) are judged by that address;
 *  - at registration every resolved address must pass
 *    (webhooks_url_check); at delivery time the sender checks the very
 *    address libcurl is about to connect to (webhooks_address_allowed in
 *    its open-socket callback), so a name that resolves differently later
 *    (DNS rebinding) gains nothing.
 */
#ifndef WEBHOOKS_URL_H_INCLUDED
#define WEBHOOKS_URL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
    /*  Longest URL accepted, in bytes; longer ones are never legitimate
     *  receivers and would bloat every delivery row. */
    WEBHOOKS_URL_MAX = 2048,
    /*  Room for a host: a DNS name is at most 253 characters. */
    WEBHOOKS_URL_HOST_SIZE = 256,
    /*  Room for an address as text (INET6_ADDRSTRLEN and a NUL). */
    WEBHOOKS_ADDRESS_TEXT_SIZE = 48
};

/*  A parsed URL: what the guard needs to know about it. */
typedef struct {
    bool https;
    char host[WEBHOOKS_URL_HOST_SIZE]; /* lower case; an IPv6 address without brackets */
    bool host_is_address;              /* an IP literal, not a name */
    uint16_t port;                     /* as given, or 80 / 443 */
} webhooks_url_t;

/*  Parse `text` strictly. Returns NULL on success, with `url` filled, or a
 *  static reason completing "url ..." ("must use http or https"). */
const char *webhooks_url_parse (const char *text, webhooks_url_t *url);

typedef enum {
    WEBHOOKS_ADDRESS_PUBLIC,   /* always allowed */
    WEBHOOKS_ADDRESS_PRIVATE,  /* only with KEFU_WEBHOOKS_ALLOW_PRIVATE */
    WEBHOOKS_ADDRESS_FORBIDDEN /* never */
} webhooks_address_class_t;

/*  Classify an IPv4 (AF_INET) or IPv6 (AF_INET6) socket address; any
 *  other family is FORBIDDEN. */
webhooks_address_class_t webhooks_address_classify (const struct sockaddr *address);

/*  True if a request may be sent to `address`. */
bool webhooks_address_allowed (const struct sockaddr *address, bool allow_private);

/*  `address` as text ("192.0.2.1", "2001:db8::1") into `out` (at least
 *  WEBHOOKS_ADDRESS_TEXT_SIZE bytes); "?" for an unknown family. */
void webhooks_address_text (const struct sockaddr *address, char *out, size_t size);

typedef enum {
    WEBHOOKS_URL_OK = 0,
    WEBHOOKS_URL_REFUSED,      /* resolves to an address not allowed */
    WEBHOOKS_URL_NO_SUCH_HOST, /* the name does not exist */
    WEBHOOKS_URL_TRY_LATER     /* the resolver failed for now */
} webhooks_url_verdict_t;

/*  Resolve the host of `url` and check every address it has. On anything
 *  but WEBHOOKS_URL_OK, `reason` (at least WEBHOOKS_URL_REASON_SIZE bytes)
 *  says why, completing "url ...". Blocks for the resolver's time. */
enum { WEBHOOKS_URL_REASON_SIZE = 160 };
webhooks_url_verdict_t webhooks_url_check (const webhooks_url_t *url, bool allow_private,
                                           char *reason, size_t reason_size);

#endif
