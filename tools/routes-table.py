#!/usr/bin/env python3
"""Print the gateway's permission table (role x method) as Markdown.

The route table in services/gateway/gateway_routes.c is the single place
that says which roles may call which route; `kefu-gateway --routes` prints
it as JSON and this renders the table the README shows between
<!-- routes-table:begin --> and <!-- routes-table:end -->. A test
(tests/e2e/test_staff.py) fails when the README differs.

Usage: tools/routes-table.py [path/to/kefu-gateway]   (default build/release/bin/kefu-gateway)
"""
import json
import subprocess
import sys


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/release/bin/kefu-gateway"
    table = json.loads(subprocess.run([binary, "--routes"], capture_output=True, check=True).stdout)
    print("| method | path | roles |")
    print("|---|---|---|")
    for route in table:
        roles = "anyone" if route["anonymous"] else ", ".join(route["roles"])
        print("| %s | `%s` | %s |" % (route["method"], route["pattern"], roles))


if __name__ == "__main__":
    main()
