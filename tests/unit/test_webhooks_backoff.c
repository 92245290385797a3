/*  Unit tests of webhooks_backoff (exponential backoff with full jitter)
 *  and of the rules on what webhooks may receive: the event type prefixes
 *  a webhook may ask for and the events the intake passes on (AUD-8: audit
 *  records are never delivered).
 */
#include "webhooks_backoff.h"
#include "webhooks_handlers.h"
#include "webhooks_intake.h"

#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

enum { BASE_MS = 1000, MAX_MS = 3600000, SAMPLES = 2000 };

static int
setup (void **state)
{
    (void)state;
    return sodium_init () < 0 ? -1 : 0;
}

/*  The cap doubles per failure from the base and stops at the maximum,
 *  without overflowing however many failures there were. */
static void
test_cap_doubles_then_stops_at_max (void **state)
{
    (void)state;
    assert_int_equal (webhooks_backoff_cap_ms (1, BASE_MS, MAX_MS), 1000);
    assert_int_equal (webhooks_backoff_cap_ms (2, BASE_MS, MAX_MS), 2000);
    assert_int_equal (webhooks_backoff_cap_ms (3, BASE_MS, MAX_MS), 4000);
    assert_int_equal (webhooks_backoff_cap_ms (12, BASE_MS, MAX_MS), 2048000);
    assert_int_equal (webhooks_backoff_cap_ms (13, BASE_MS, MAX_MS), MAX_MS);
    assert_int_equal (webhooks_backoff_cap_ms (1000, BASE_MS, MAX_MS), MAX_MS);
    assert_int_equal (webhooks_backoff_cap_ms (UINT32_MAX, BASE_MS, MAX_MS), MAX_MS);
    assert_int_equal (webhooks_backoff_cap_ms (0, BASE_MS, MAX_MS), BASE_MS);
    assert_int_equal (webhooks_backoff_cap_ms (5, 50, 500), 500);
}

/*  Full jitter: every delay within [0, cap], and spread over it. */
static void
test_delay_is_jittered_within_cap (void **state)
{
    (void)state;
    int64_t smallest = INT64_MAX, largest = 0;
    for (int i = 0; i < SAMPLES; i++) {
        int64_t delay = webhooks_backoff_delay_ms (3, BASE_MS, MAX_MS);
        assert_in_range (delay, 0, 4000);
        smallest = delay < smallest ? delay : smallest;
        largest = delay > largest ? delay : largest;
    }
    assert_true (smallest < 1000);
    assert_true (largest > 3000);
}

/*  The schedule reaches past 24 hours of retrying with the defaults:
 *  KEFU_WEBHOOKS_GIVE_UP_S (25 h) decides, not a count of attempts. */
static void
test_default_caps_keep_retrying_for_a_day (void **state)
{
    (void)state;
    int64_t total_of_caps = 0;
    uint32_t failures = 0;
    while (total_of_caps < 24LL * 3600 * 1000)
        total_of_caps += webhooks_backoff_cap_ms (++failures, BASE_MS, MAX_MS);
    assert_in_range (failures, 20, 40);
}

/*  AUD-8: only auditors read the audit log, so no webhook may ask for it. */
static void
test_event_type_prefixes (void **state)
{
    (void)state;
    const char *reason = NULL;
    const char *good[] = {"ticket.", "ticket.created", "callback", "audit.alert", "a-b_c.D9"};
    const char *bad[] = {
        "",          "audit.record", "audit.record.ticket.viewed", "ticket created", "tickets/*",
        "ticket.\n", "工单"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true (webhooks_event_type_valid (good[i], &reason));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reason = NULL;
        assert_false (webhooks_event_type_valid (bad[i], &reason));
        assert_non_null (reason);
    }
    char long_type[102];
    memset (long_type, 'a', sizeof long_type - 1);
    long_type[sizeof long_type - 1] = '\0';
    assert_false (webhooks_event_type_valid (long_type, &reason));
}

static void
test_intake_never_passes_audit_records (void **state)
{
    (void)state;
    Kefu__V1__Event event = KEFU__V1__EVENT__INIT;
    event.source = "tickets";
    event.type = "ticket.created";
    assert_true (webhooks_intake_wanted (&event));
    event.type = "audit.record.ticket.viewed";
    assert_false (webhooks_intake_wanted (&event));
    event.type = "audit.alert";
    assert_true (webhooks_intake_wanted (&event));
    /*  The webhooks service's own delivery events would feed on themselves. */
    event.source = "webhooks";
    event.type = "webhook.delivery.dead";
    assert_false (webhooks_intake_wanted (&event));
    event.type = "webhook.created";
    assert_true (webhooks_intake_wanted (&event));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_cap_doubles_then_stops_at_max),
        cmocka_unit_test (test_delay_is_jittered_within_cap),
        cmocka_unit_test (test_default_caps_keep_retrying_for_a_day),
        cmocka_unit_test (test_event_type_prefixes),
        cmocka_unit_test (test_intake_never_passes_audit_records),
    };
    return cmocka_run_group_tests (tests, setup, NULL);
}
