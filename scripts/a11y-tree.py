#!/usr/bin/python3
"""Reads the jira-connect window's accessibility tree over AT-SPI, as a screen reader does.

Usage: a11y-tree.py dump FILE      waits for the app, writes its tree to FILE
       a11y-tree.py dialog DATE    the window and New Connection are named, the expiry
                                   field shows DATE (YYYY-MM-DD)
       a11y-tree.py error          some field carries its validation error

Every wait is bounded; a failure says what was looked for and what was there.
Run by scripts/a11y-tree.sh, which starts the accessibility bus, Xvfb and the app.
"""

import sys
import time

import pyatspi

WAIT_SECONDS = 30


def app():
    """The jira-connect application on the accessibility bus, once it is there."""
    deadline = time.monotonic() + WAIT_SECONDS
    seen = []
    while time.monotonic() < deadline:
        desktop = pyatspi.Registry.getDesktop(0)
        seen = []
        for i in range(desktop.childCount):
            child = desktop.getChildAtIndex(i)
            if child is None:
                continue
            seen.append(child.name)
            if child.name == "jira-connect" and child.childCount > 0:
                return child
        time.sleep(0.5)
    sys.exit(f"FAIL: no application named jira-connect on the accessibility bus; saw {seen}")


def text_of(node):
    try:
        text = node.queryText()
        return text.getText(0, text.characterCount)
    except NotImplementedError:
        return None


def walk(node, depth=0):
    yield node, depth
    for i in range(node.childCount):
        child = node.getChildAtIndex(i)
        if child is not None:
            yield from walk(child, depth + 1)


def describe(node, depth):
    parts = [f"{'  ' * depth}{node.getRoleName()}", repr(node.name)]
    if node.description:
        parts.append(f"description={node.description!r}")
    value = text_of(node)
    if value:
        parts.append(f"text={value!r}")
    return " ".join(parts)


def dump(root):
    return "\n".join(describe(n, d) for n, d in walk(root))


def find(root, role, name):
    for node, _ in walk(root):
        if node.getRoleName() == role and node.name == name:
            return node
    return None


def until(what, probe):
    """Polls `probe` on a fresh read of the tree until it returns something true."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        root = app()
        found = probe(root)
        if found:
            return root, found
        time.sleep(0.5)
    sys.exit(f"FAIL: {what}\n--- the tree as it is:\n{dump(app())}")


def check_dialog(expiry):
    root, window = until(
        "a window named jira-connect",
        lambda r: next((n for n, _ in walk(r) if n.getRoleName() == "frame"
                        and n.name == "jira-connect"), None),
    )
    print("ok   the window is named jira-connect")
    until("a dialog named New Connection",
          lambda r: find(r, "dialog", "New Connection"))
    print("ok   the dialog is named New Connection")
    _, field = until(
        f"the Token expires field with the date {expiry}",
        lambda r: next((n for n, _ in walk(r) if n.name == "Token expires"
                        and text_of(n) == expiry), None),
    )
    print(f"ok   Token expires shows {text_of(field)}")


def check_error():
    _, field = until(
        "a field that carries its error as its description",
        lambda r: next((n for n, _ in walk(r) if n.getRoleName() in ("entry", "password text", "text")
                        and n.description), None),
    )
    print(f"ok   the field {field.name!r} carries its error: {field.description!r}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    step = sys.argv[1]
    arg = sys.argv[2] if len(sys.argv) > 2 else ""
    if step == "dump":
        with open(arg, "w", encoding="utf-8") as out:
            out.write(dump(app()) + "\n")
    elif step == "dialog":
        check_dialog(arg)
    elif step == "error":
        check_error()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
