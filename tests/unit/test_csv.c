/*  Unit tests of kefu_csv: RFC 4180 quoting, and the apostrophe that keeps a
 *  spreadsheet from running a field as a formula (the attendance export,
 *  SCH-6). */
#include "kefu_csv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/*  `text` as one field. */
static void
assert_field (const char *text, const char *expected)
{
    kefu_strbuf_t out;
    kefu_strbuf_init (&out);
    kefu_csv_field (&out, text, true);
    assert_true (kefu_strbuf_ok (&out));
    assert_string_equal (kefu_strbuf_data (&out), expected);
    kefu_strbuf_release (&out);
}

static void
test_plain_fields_are_left_as_they_are (void **state)
{
    (void)state;
    assert_field ("S0107", "S0107");
    assert_field ("请假测试 李娜", "请假测试 李娜");
    assert_field ("", "");
}

static void
test_commas_quotes_and_line_breaks_are_quoted (void **state)
{
    (void)state;
    assert_field ("Li, Na", "\"Li, Na\"");
    assert_field ("say \"hi\"", "\"say \"\"hi\"\"\"");
    assert_field ("two\r\nlines", "\"two\r\nlines\"");
}

static void
test_formula_starts_are_marked (void **state)
{
    (void)state;
    assert_field ("=1+1", "\"'=1+1\"");
    assert_field ("+86 21", "\"'+86 21\"");
    assert_field ("-5", "\"'-5\"");
    assert_field ("@SUM(A1)", "\"'@SUM(A1)\"");
    assert_field ("\tcmd", "\"'\tcmd\"");
    assert_field ("=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
}

static void
test_records_and_numbers (void **state)
{
    (void)state;
    kefu_strbuf_t out;
    kefu_strbuf_init (&out);
    kefu_csv_field (&out, "staff_no", true);
    kefu_csv_field (&out, "shifts", false);
    kefu_csv_end_record (&out);
    kefu_csv_number (&out, -3, true);
    kefu_csv_number (&out, 9600, false);
    kefu_csv_end_record (&out);
    assert_string_equal (kefu_strbuf_data (&out), "staff_no,shifts\r\n-3,9600\r\n");
    kefu_strbuf_release (&out);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_plain_fields_are_left_as_they_are),
        cmocka_unit_test (test_commas_quotes_and_line_breaks_are_quoted),
        cmocka_unit_test (test_formula_starts_are_marked),
        cmocka_unit_test (test_records_and_numbers),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
