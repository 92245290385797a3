/*  Unit tests of webhooks_url, the SSRF guard of webhook URLs: strict
 *  parsing (http/https only, no user information, a real host and port),
 *  the classification of IPv4 and IPv6 addresses (loopback, private,
 *  link-local, unique-local, multicast, unspecified, and the IPv6 forms
 *  that embed an IPv4 address), and the check of what a URL resolves to,
 *  with and without KEFU_WEBHOOKS_ALLOW_PRIVATE. Only IP literals and
 *  "localhost" are resolved, so no network is needed.
 */
#include "webhooks_url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_parse_accepts_http_and_https (void **state)
{
    (void)state;
    webhooks_url_t url;
    assert_null (webhooks_url_parse ("https://crm.example.com/hooks/kefu?x=1", &url));
    assert_true (url.https);
    assert_string_equal (url.host, "crm.example.com");
    assert_false (url.host_is_address);
    assert_int_equal (url.port, 443);
    assert_null (webhooks_url_parse ("HTTP://CRM.Example.COM:8080", &url));
    assert_false (url.https);
    assert_string_equal (url.host, "crm.example.com");
    assert_int_equal (url.port, 8080);
    assert_null (webhooks_url_parse ("http://203.0.113.7:65535/x", &url));
    assert_true (url.host_is_address);
    assert_int_equal (url.port, 65535);
    assert_null (webhooks_url_parse ("https://[2001:db8::1]:8443/", &url));
    assert_string_equal (url.host, "2001:db8::1");
    assert_true (url.host_is_address);
    assert_int_equal (url.port, 8443);
    assert_null (webhooks_url_parse ("http://xn--fiqs8s.example./", &url));
}

/*  Only http and https: no ftp://, file://, gopher:// or javascript:. */
static void
test_parse_refuses_other_schemes (void **state)
{
    (void)state;
    webhooks_url_t url;
    const char *bad[] = {
        "ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "javascript:alert(1)",
        "example.com/hook",   "//example.com/hook", "httpx://example.com/",  "http:/example.com/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *problem = webhooks_url_parse (bad[i], &url);
        assert_non_null (problem);
        assert_non_null (strstr (problem, "http"));
    }
}

static void
test_parse_refuses_malformed_urls (void **state)
{
    (void)state;
    webhooks_url_t url;
    const char *bad[] = {
        "",                                /* empty */
        "http://",                         /* no host */
        "http:///path",                    /* no host */
        "http://user:secret@example.com/", /* user information */
        "http://example.com@10.0.0.1/",    /* the classic confusion */
        "http://example.com:0/",           /* port 0 */
        "http://example.com:65536/",       /* port too large */
        "http://example.com:/",            /* empty port */
        "http://example.com:8o/",          /* not a number */
        "http://exa mple.com/",            /* space */
        "http://example.com/\x01",         /* control character */
        "http://bücher.example/",          /* not in xn-- form */
        "http://example.com/#fragment",    /* fragment */
        "http://-example.com/",            /* label starting with '-' */
        "http://exa_mple.com/",            /* '_' is no host character */
        "http://[fe80::1%25eth0]/",        /* zone id */
        "http://[::1/",                    /* unclosed bracket */
        "http://[::1]x/",                  /* junk after the bracket */
        "http://[nonsense]/",              /* not IPv6 */
        "http://2130706433/",              /* 127.0.0.1 in disguise */
        "http://0x7f.0.0.1/",              /* hex */
        "http://127.1/",                   /* short form */
        "http://0177.0.0.1/",              /* octal */
        "http://256.1.1.1/",               /* out of range */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_non_null (webhooks_url_parse (bad[i], &url));
    char long_url[WEBHOOKS_URL_MAX + 2];
    memset (long_url, 'a', sizeof long_url - 1);
    long_url[sizeof long_url - 1] = '\0';
    memcpy (long_url, "http://example.com/", 19);
    assert_non_null (webhooks_url_parse (long_url, &url));
}

static webhooks_address_class_t
classify (const char *text)
{
    struct sockaddr_in ipv4;
    struct sockaddr_in6 ipv6;
    memset (&ipv4, 0, sizeof ipv4);
    memset (&ipv6, 0, sizeof ipv6);
    if (inet_pton (AF_INET, text, &ipv4.sin_addr) == 1) {
        ipv4.sin_family = AF_INET;
        return webhooks_address_classify ((struct sockaddr *)&ipv4);
    }
    assert_int_equal (inet_pton (AF_INET6, text, &ipv6.sin6_addr), 1);
    ipv6.sin6_family = AF_INET6;
    return webhooks_address_classify ((struct sockaddr *)&ipv6);
}

static void
test_classify_ipv4 (void **state)
{
    (void)state;
    const char *public_[] = {"8.8.8.8",         "93.184.216.34",   "100.63.255.255",
                             "100.128.0.0",     "172.15.255.255",  "172.32.0.0",
                             "192.167.255.255", "223.255.255.255", "1.1.1.1"};
    const char *private_[] = {"127.0.0.1",       "127.255.255.254", "10.0.0.1",    "10.255.255.255",
                              "172.16.0.1",      "172.31.255.255",  "192.168.1.1", "100.64.0.1",
                              "100.127.255.255", "169.254.169.254", "192.0.2.1",   "198.18.0.1",
                              "198.51.100.1",    "203.0.113.1"};
    const char *forbidden[] = {"0.0.0.0",         "0.1.2.3",   "224.0.0.1",
                               "239.255.255.250", "240.0.0.1", "255.255.255.255"};
    for (size_t i = 0; i < sizeof public_ / sizeof public_[0]; i++)
        assert_int_equal (classify (public_[i]), WEBHOOKS_ADDRESS_PUBLIC);
    for (size_t i = 0; i < sizeof private_ / sizeof private_[0]; i++)
        assert_int_equal (classify (private_[i]), WEBHOOKS_ADDRESS_PRIVATE);
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        assert_int_equal (classify (forbidden[i]), WEBHOOKS_ADDRESS_FORBIDDEN);
}

/*  IPv6, including the forms that reach an IPv4 address. */
static void
test_classify_ipv6 (void **state)
{
    (void)state;
    const char *public_[] = {"2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8",
                             "64:ff9b::808:808", "2002:808:808::1"};
    const char *private_[] = {"::1",
                              "fe80::1",
                              "febf::1",
                              "fec0::1",
                              "fc00::1",
                              "fd12:3456::1",
                              "::ffff:127.0.0.1",
                              "::ffff:10.1.2.3",
                              "::ffff:169.254.169.254",
                              "::127.0.0.1",
                              "64:ff9b::7f00:1",
                              "2002:7f00:1::1",
                              "2001:db8::1",
                              "100::1"};
    const char *forbidden[] = {"::", "ff02::1", "ff05::1:3", "::ffff:0.0.0.0", "::ffff:224.0.0.1"};
    for (size_t i = 0; i < sizeof public_ / sizeof public_[0]; i++)
        assert_int_equal (classify (public_[i]), WEBHOOKS_ADDRESS_PUBLIC);
    for (size_t i = 0; i < sizeof private_ / sizeof private_[0]; i++)
        assert_int_equal (classify (private_[i]), WEBHOOKS_ADDRESS_PRIVATE);
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        assert_int_equal (classify (forbidden[i]), WEBHOOKS_ADDRESS_FORBIDDEN);
}

static webhooks_url_verdict_t
check (const char *text, bool allow_private)
{
    webhooks_url_t url;
    assert_null (webhooks_url_parse (text, &url));
    char reason[WEBHOOKS_URL_REASON_SIZE] = "";
    webhooks_url_verdict_t verdict =
        webhooks_url_check (&url, allow_private, reason, sizeof reason);
    if (verdict != WEBHOOKS_URL_OK)
        assert_true (strlen (reason) > 0);
    return verdict;
}

/*  Loopback and private targets only when allowed; unspecified and
 *  multicast never; public always. */
static void
test_check_applies_allow_private (void **state)
{
    (void)state;
    assert_int_equal (check ("http://127.0.0.1:8080/hook", false), WEBHOOKS_URL_REFUSED);
    assert_int_equal (check ("http://127.0.0.1:8080/hook", true), WEBHOOKS_URL_OK);
    assert_int_equal (check ("http://[::1]/hook", false), WEBHOOKS_URL_REFUSED);
    assert_int_equal (check ("http://[::1]/hook", true), WEBHOOKS_URL_OK);
    assert_int_equal (check ("http://[::ffff:127.0.0.1]/hook", false), WEBHOOKS_URL_REFUSED);
    assert_int_equal (check ("http://10.1.2.3/hook", false), WEBHOOKS_URL_REFUSED);
    assert_int_equal (check ("http://169.254.169.254/latest/meta-data/", false),
                      WEBHOOKS_URL_REFUSED);
    assert_int_equal (check ("http://0.0.0.0/hook", true), WEBHOOKS_URL_REFUSED);
    assert_int_equal (check ("http://224.0.0.1/hook", true), WEBHOOKS_URL_REFUSED);
    assert_int_equal (check ("http://[ff02::1]/hook", true), WEBHOOKS_URL_REFUSED);
    assert_int_equal (check ("https://8.8.8.8/hook", false), WEBHOOKS_URL_OK);
    /*  A name is judged by what it resolves to. */
    assert_int_not_equal (check ("http://localhost:8080/hook", false), WEBHOOKS_URL_OK);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_parse_accepts_http_and_https),
        cmocka_unit_test (test_parse_refuses_other_schemes),
        cmocka_unit_test (test_parse_refuses_malformed_urls),
        cmocka_unit_test (test_classify_ipv4),
        cmocka_unit_test (test_classify_ipv6),
        cmocka_unit_test (test_check_applies_allow_private),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
