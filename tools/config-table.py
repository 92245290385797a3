#!/usr/bin/env python3
"""Print the README's configuration table from common/kefu_config.c.

    tools/config-table.py > /tmp/table.md   # then paste into README.md

The C table is the source of truth; tests/unit/test_config.c fails when the
README misses a variable, and this script makes the rows to add.
"""
import re
import sys

SOURCE = "common/kefu_config.c"
ROW = re.compile(r'\{\s*"(KEFU_[A-Z0-9_]+)",\s*KEFU_CONFIG_(\w+),\s*"([^"]*)",\s*(-?\d+),\s*(-?\d+),\s*(true|false),\s*"([^"]*)"\s*\}', re.S)
SERVICE = re.compile(r'SERVICE_ENTRIES \("(\w+)", "(\w+)", (\d+)\)')

def main():
    text = open(SOURCE, encoding="utf-8").read()
    macro = text[text.index("#define SERVICE_ENTRIES"):text.index("static const kefu_config_entry_t")]
    table = text[text.index("static const kefu_config_entry_t"):]
    rows = []
    for m in ROW.finditer(table.replace('"\n      "', "").replace('" \\\n', "")):
        rows.append(m.groups())
    for upper, lower, port in SERVICE.findall(table):
        rows.append((f"KEFU_{upper}_BIND", "STRING", f"tcp://127.0.0.1:{port}", "0", "0", "false",
                     f"ZeroMQ endpoint the {lower} service binds its ROUTER to"))
        rows.append((f"KEFU_{upper}_ENDPOINT", "STRING", f"tcp://127.0.0.1:{port}", "0", "0", "false",
                     f"Where callers reach the {lower} service; comma-separated for several replicas"))
        rows.append((f"KEFU_{upper}_DSN", "STRING", "", "0", "0", "true",
                     f"PostgreSQL connection string of the {lower} service (else KEFU_DATABASE_URL)"))
        rows.append((f"KEFU_{upper}_WORKERS", "INT", "4", "1", "64", "false",
                     f"Worker threads (each with its own database connection) in the {lower} service"))
    print("| variable | default | meaning |")
    print("|---|---|---|")
    for name, kind, default, low, high, secret, text in rows:
        default = f"`{default}`" if default else "(empty)"
        extra = f" ({low}..{high})" if kind == "INT" else ""
        secret_note = " Secret: may be given as a file with `" + name + "_FILE`." if secret == "true" else ""
        print(f"| `{name}` | {default} | {text}{extra}.{secret_note} |")
    del macro

if __name__ == "__main__":
    sys.exit(main())
