#!/usr/bin/env python3
"""Checks that a JUnit XML file is well-formed and carries the counts a CI
server reads: usage: validate_junit.py FILE TESTS FAILURES [ERRORS [SKIPPED]] ('-': any count).
The counts on <testsuites> and on every <testsuite> must agree with its
<testcase> elements and with the expected numbers."""
import sys
import xml.etree.ElementTree as ET


def counts(cases):
    return {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }


def main():
    path = sys.argv[1]
    expected = {k: int(v) for k, v in zip(["tests", "failures", "errors", "skipped"], sys.argv[2:]) if v != "-"}
    root = ET.parse(path).getroot()  # raises on malformed XML
    if root.tag != "testsuites":
        sys.exit(f"{path}: root element is <{root.tag}>, not <testsuites>")
    all_cases = []
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        for c in cases:
            if not c.get("name") or c.get("classname") is None:
                sys.exit(f"{path}: a testcase without name or classname")
        for key, value in counts(cases).items():
            if int(suite.get(key)) != value:
                sys.exit(f"{path}: suite {suite.get('name')}: {key}={suite.get(key)}, its test cases say {value}")
        all_cases += cases
    for key, value in counts(all_cases).items():
        if int(root.get(key)) != value:
            sys.exit(f"{path}: <testsuites> {key}={root.get(key)}, the test cases say {value}")
        if key in expected and expected[key] != value:
            sys.exit(f"{path}: {key}={value}, expected {expected[key]}")
    print(f"{path}: well-formed, " + ", ".join(f"{k}={v}" for k, v in counts(all_cases).items()))


main()
