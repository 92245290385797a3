/*  webhooks_url: strict URL parsing and address classification for the
 *  SSRF guard. See webhooks_url.h for the rules and why.
 */
#include "webhooks_url.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
    URL_PORT_DIGITS_MAX = 5,
    URL_PORT_MAX = 65535,
    URL_HTTP_PORT = 80,
    URL_HTTPS_PORT = 443,
    URL_LABEL_MAX = 63, /* RFC 1035 */
    URL_NAME_MAX = 253,
    URL_PORT_TEXT_SIZE = 8,
};

static const char HTTP_PREFIX[] = "http://";
static const char HTTPS_PREFIX[] = "https://";

/* --- parsing ---------------------------------------------------------------- */

static bool
url_is_digit (char c)
{
    return c >= '0' && c <= '9';
}

static bool
url_is_label_char (char c)
{
    return url_is_digit (c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/*  A DNS name: labels of letters, digits and '-', not starting or ending
 *  with '-', 1..63 characters each, 253 in all; an optional final dot. The
 *  last label must not be all digits: "127.1" or "2130706433" are numeric
 *  addresses in disguise, which resolvers would happily accept. */
static const char *
url_check_name (const char *name, size_t length)
{
    if (length > 0 && name[length - 1] == '.')
        length--;
    if (length == 0 || length > URL_NAME_MAX)
        return "must name a valid host";
    size_t label_start = 0;
    bool last_all_digits = true;
    for (size_t i = 0; i <= length; i++) {
        if (i == length || name[i] == '.') {
            size_t label_length = i - label_start;
            if (label_length == 0 || label_length > URL_LABEL_MAX || name[label_start] == '-' ||
                name[i - 1] == '-')
                return "must name a valid host";
            last_all_digits = true;
            for (size_t j = label_start; j < i; j++)
                if (!url_is_digit (name[j]))
                    last_all_digits = false;
            label_start = i + 1;
            continue;
        }
        if (!url_is_label_char (name[i]))
            return "must name a valid host";
    }
    if (last_all_digits)
        return "must name a host, or an IPv4 address as four decimal numbers";
    return NULL;
}

/*  Split the authority [host][:port] (IPv6 in brackets) into `url`. */
static const char *
url_parse_authority (const char *authority, size_t length, webhooks_url_t *url)
{
    if (length == 0)
        return "must name a host";
    if (memchr (authority, '@', length))
        return "must not contain user information (user:password@)";
    const char *host = authority;
    size_t host_length;
    const char *rest;
    if (authority[0] == '[') {
        const char *close = memchr (authority, ']', length);
        if (!close)
            return "must close the IPv6 address with ]";
        host = authority + 1;
        host_length = (size_t)(close - host);
        rest = close + 1;
        if (host_length == 0 || host_length >= WEBHOOKS_URL_HOST_SIZE)
            return "must name a valid IPv6 address";
        memcpy (url->host, host, host_length);
        url->host[host_length] = '\0';
        struct in6_addr address;
        /*  inet_pton refuses zone ids ("%eth0"), which name a local link. */
        if (inet_pton (AF_INET6, url->host, &address) != 1)
            return "must name a valid IPv6 address";
        url->host_is_address = true;
    } else {
        const char *colon = memchr (authority, ':', length);
        host_length = colon ? (size_t)(colon - authority) : length;
        rest = authority + host_length;
        if (host_length == 0)
            return "must name a host";
        if (host_length >= WEBHOOKS_URL_HOST_SIZE)
            return "must name a valid host";
        memcpy (url->host, host, host_length);
        url->host[host_length] = '\0';
        bool numeric = true;
        for (size_t i = 0; i < host_length; i++)
            if (!url_is_digit (host[i]) && host[i] != '.')
                numeric = false;
        if (numeric) {
            /*  glibc's inet_pton takes exactly four decimal parts, no
             *  leading zeros (no octal). */
            struct in_addr address;
            if (inet_pton (AF_INET, url->host, &address) != 1)
                return "must name a host, or an IPv4 address as four decimal numbers";
            url->host_is_address = true;
        } else {
            const char *problem = url_check_name (url->host, host_length);
            if (problem)
                return problem;
        }
    }
    const char *end = authority + length;
    url->port = url->https ? URL_HTTPS_PORT : URL_HTTP_PORT;
    if (rest == end)
        return NULL;
    if (*rest != ':')
        return "must have a port after the IPv6 address, or nothing";
    rest++;
    size_t digits = (size_t)(end - rest);
    if (digits == 0 || digits > URL_PORT_DIGITS_MAX)
        return "must have a port from 1 to 65535";
    long port = 0;
    for (const char *p = rest; p < end; p++) {
        if (!url_is_digit (*p))
            return "must have a port from 1 to 65535";
        port = port * 10 + (*p - '0');
    }
    if (port < 1 || port > URL_PORT_MAX)
        return "must have a port from 1 to 65535";
    url->port = (uint16_t)port;
    return NULL;
}

const char *
webhooks_url_parse (const char *text, webhooks_url_t *url)
{
    memset (url, 0, sizeof *url);
    size_t length = strlen (text);
    if (length == 0)
        return "is required";
    if (length > WEBHOOKS_URL_MAX)
        return "is too long";
    for (const char *p = text; *p; p++)
        if (*p <= ' ' || *p >= 0x7F)
            return "must be printable ASCII without spaces (internationalised names in xn-- form)";
    const char *authority;
    if (strncasecmp (text, HTTPS_PREFIX, sizeof HTTPS_PREFIX - 1) == 0) {
        url->https = true;
        authority = text + sizeof HTTPS_PREFIX - 1;
    } else if (strncasecmp (text, HTTP_PREFIX, sizeof HTTP_PREFIX - 1) == 0)
        authority = text + sizeof HTTP_PREFIX - 1;
    else
        return "must be an http:// or https:// URL";
    if (strchr (text, '#'))
        return "must not have a fragment (#...)";
    size_t authority_length = strcspn (authority, "/?");
    const char *problem = url_parse_authority (authority, authority_length, url);
    if (problem)
        return problem;
    for (char *p = url->host; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return NULL;
}

/* --- addresses -------------------------------------------------------------- */

/*  An IPv4 prefix and what it is. */
typedef struct {
    uint32_t network;
    int bits;
    webhooks_address_class_t class_;
} address_range_t;

/*  The IANA special-purpose registry, where it matters for a guard: not
 *  globally reachable is PRIVATE, unusable as a destination is FORBIDDEN. */
static const address_range_t ipv4_ranges[] = {
    {0x00000000, 8, WEBHOOKS_ADDRESS_FORBIDDEN}, /* 0.0.0.0/8 "this network" */
    {0x0A000000, 8, WEBHOOKS_ADDRESS_PRIVATE},   /* 10/8 */
    {0x64400000, 10, WEBHOOKS_ADDRESS_PRIVATE},  /* 100.64/10 shared (CGNAT) */
    {0x7F000000, 8, WEBHOOKS_ADDRESS_PRIVATE},   /* 127/8 loopback */
    {0xA9FE0000, 16, WEBHOOKS_ADDRESS_PRIVATE},  /* 169.254/16 link-local, cloud metadata */
    {0xAC100000, 12, WEBHOOKS_ADDRESS_PRIVATE},  /* 172.16/12 */
    {0xC0000000, 24, WEBHOOKS_ADDRESS_PRIVATE},  /* 192.0.0/24 protocol assignments */
    {0xC0000200, 24, WEBHOOKS_ADDRESS_PRIVATE},  /* 192.0.2/24 documentation */
    {0xC0A80000, 16, WEBHOOKS_ADDRESS_PRIVATE},  /* 192.168/16 */
    {0xC6120000, 15, WEBHOOKS_ADDRESS_PRIVATE},  /* 198.18/15 benchmarking */
    {0xC6336400, 24, WEBHOOKS_ADDRESS_PRIVATE},  /* 198.51.100/24 documentation */
    {0xCB007100, 24, WEBHOOKS_ADDRESS_PRIVATE},  /* 203.0.113/24 documentation */
    {0xE0000000, 4, WEBHOOKS_ADDRESS_FORBIDDEN}, /* 224/4 multicast */
    {0xF0000000, 4, WEBHOOKS_ADDRESS_FORBIDDEN}, /* 240/4 reserved, broadcast */
};

static webhooks_address_class_t
address_classify_ipv4 (uint32_t address)
{
    for (size_t i = 0; i < sizeof ipv4_ranges / sizeof ipv4_ranges[0]; i++) {
        uint32_t mask = 0xFFFFFFFFu << (32 - ipv4_ranges[i].bits);
        if ((address & mask) == ipv4_ranges[i].network)
            return ipv4_ranges[i].class_;
    }
    return WEBHOOKS_ADDRESS_PUBLIC;
}

static uint32_t
address_ipv4_at (const uint8_t *bytes)
{
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

static webhooks_address_class_t
address_classify_ipv6 (const uint8_t *b)
{
    static const uint8_t zeros[16] = {0};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const uint8_t nat64[12] = {0x00, 0x64, 0xFF, 0x9B};
    if (memcmp (b, zeros, 16) == 0)
        return WEBHOOKS_ADDRESS_FORBIDDEN; /* :: unspecified */
    if (memcmp (b, zeros, 15) == 0 && b[15] == 1)
        return WEBHOOKS_ADDRESS_PRIVATE; /* ::1 loopback */
    /*  Forms carrying an IPv4 address reach that address. */
    if (memcmp (b, mapped, 12) == 0 || memcmp (b, zeros, 12) == 0 || memcmp (b, nat64, 12) == 0)
        return address_classify_ipv4 (address_ipv4_at (b + 12));
    if (b[0] == 0x20 && b[1] == 0x02)
        return address_classify_ipv4 (address_ipv4_at (b + 2)); /* 2002::/16 6to4 */
    if (b[0] == 0xFF)
        return WEBHOOKS_ADDRESS_FORBIDDEN; /* ff00::/8 multicast */
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
        return WEBHOOKS_ADDRESS_PRIVATE; /* fe80::/10 link-local */
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)
        return WEBHOOKS_ADDRESS_PRIVATE; /* fec0::/10 site-local */
    if ((b[0] & 0xFE) == 0xFC)
        return WEBHOOKS_ADDRESS_PRIVATE; /* fc00::/7 unique-local */
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)
        return WEBHOOKS_ADDRESS_PRIVATE; /* 2001:db8::/32 documentation */
    if (memcmp (b, "\x01\x00\x00\x00\x00\x00\x00\x00", 8) == 0)
        return WEBHOOKS_ADDRESS_PRIVATE; /* 100::/64 discard-only */
    return WEBHOOKS_ADDRESS_PUBLIC;
}

webhooks_address_class_t
webhooks_address_classify (const struct sockaddr *address)
{
    if (address->sa_family == AF_INET) {
        const struct sockaddr_in *ipv4 = (const struct sockaddr_in *)address;
        return address_classify_ipv4 (ntohl (ipv4->sin_addr.s_addr));
    }
    if (address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *ipv6 = (const struct sockaddr_in6 *)address;
        return address_classify_ipv6 (ipv6->sin6_addr.s6_addr);
    }
    return WEBHOOKS_ADDRESS_FORBIDDEN;
}

bool
webhooks_address_allowed (const struct sockaddr *address, bool allow_private)
{
    webhooks_address_class_t class_ = webhooks_address_classify (address);
    return class_ == WEBHOOKS_ADDRESS_PUBLIC ||
           (class_ == WEBHOOKS_ADDRESS_PRIVATE && allow_private);
}

void
webhooks_address_text (const struct sockaddr *address, char *out, size_t size)
{
    const void *bytes = NULL;
    if (address->sa_family == AF_INET)
        bytes = &((const struct sockaddr_in *)address)->sin_addr;
    else if (address->sa_family == AF_INET6)
        bytes = &((const struct sockaddr_in6 *)address)->sin6_addr;
    if (!bytes || !inet_ntop (address->sa_family, bytes, out, (socklen_t)size))
        snprintf (out, size, "?");
}

webhooks_url_verdict_t
webhooks_url_check (const webhooks_url_t *url, bool allow_private, char *reason, size_t reason_size)
{
    char port[URL_PORT_TEXT_SIZE];
    snprintf (port, sizeof port, "%u", url->port);
    struct addrinfo hints;
    memset (&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (url->host_is_address ? AI_NUMERICHOST : 0);
    struct addrinfo *addresses = NULL;
    int rc = getaddrinfo (url->host, port, &hints, &addresses);
    if (rc != 0) {
        bool missing = rc == EAI_NONAME || rc == EAI_FAIL
#ifdef EAI_NODATA
                       || rc == EAI_NODATA
#endif
            ;
        snprintf (reason, reason_size, "names a host that %s: %s",
                  missing ? "does not exist" : "cannot be resolved now", gai_strerror (rc));
        return missing ? WEBHOOKS_URL_NO_SUCH_HOST : WEBHOOKS_URL_TRY_LATER;
    }
    webhooks_url_verdict_t verdict = addresses ? WEBHOOKS_URL_OK : WEBHOOKS_URL_NO_SUCH_HOST;
    if (!addresses)
        snprintf (reason, reason_size, "names a host without addresses");
    /*  Every address must pass: the one a resolver hands out later may be
     *  any of them. */
    for (struct addrinfo *a = addresses; a && verdict == WEBHOOKS_URL_OK; a = a->ai_next) {
        webhooks_address_class_t class_ = webhooks_address_classify (a->ai_addr);
        if (class_ == WEBHOOKS_ADDRESS_PUBLIC ||
            (class_ == WEBHOOKS_ADDRESS_PRIVATE && allow_private))
            continue;
        char text[WEBHOOKS_ADDRESS_TEXT_SIZE];
        webhooks_address_text (a->ai_addr, text, sizeof text);
        if (class_ == WEBHOOKS_ADDRESS_PRIVATE)
            snprintf (reason, reason_size,
                      "points at %s, a loopback, private or link-local address, which this "
                      "deployment does not allow",
                      text);
        else
            snprintf (reason, reason_size, "points at %s, which cannot receive webhooks", text);
        verdict = WEBHOOKS_URL_REFUSED;
    }
    freeaddrinfo (addresses);
    return verdict;
}
