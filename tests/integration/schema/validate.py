#!/usr/bin/env python3
"""validate.py SCHEMA [FILE]: validate the JSON document in FILE (default:
stdin) against SCHEMA, resolving "$ref"s to the files next to SCHEMA (the
copies of the OCI runtime-spec schemas in this directory).  Prints
"valid" and exits 0, or prints every error and exits 1."""
import json
import os
import sys

import jsonschema


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    schema_path = os.path.abspath(sys.argv[1])
    with open(schema_path) as f:
        schema = json.load(f)
    if len(sys.argv) == 3:
        with open(sys.argv[2]) as f:
            doc = json.load(f)
    else:
        doc = json.load(sys.stdin)
    base = "file://" + os.path.dirname(schema_path) + "/"
    resolver = jsonschema.RefResolver(base, schema)
    validator = jsonschema.Draft4Validator(schema, resolver=resolver)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        print("%s: %s" % ("/".join(str(p) for p in e.path) or "(root)", e.message))
    if errors:
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
