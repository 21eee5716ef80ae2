#!/usr/bin/env python3
"""Check every Slack message template of a strata build against Slack's Block Kit limits.

    python3 scripts/check_slack.py OUT_DIR

Walks OUT_DIR/<env>/slack/<tenant>/<severity>.<locale>.json (as `strata build` writes
them), and checks, independently of strata's own Rust code:
- each file is a JSON object of messages, one message per line, with a generic `*` one;
- each message is {"blocks": [...]} with 1..50 blocks of the types strata writes
  (header, section, actions, context, divider), unique block_id of 1..255 characters;
- header: plain_text of 1..150 characters;
- section: text (mrkdwn or plain_text, 1..3000) and/or 1..10 fields of 1..2000 each;
- actions: 1..25 buttons, button text plain_text 1..75, url 1..3000 and http(s),
  action_id 1..255;
- context: 1..10 elements, each text 1..3000;
- mrkdwn text holds no raw `<` or `>` outside placeholders (user text is escaped);
- every `{{` opens a known placeholder (see docs/slack.md).
Lengths count Unicode code points. Prints each problem as `path: key: pointer: problem`
and exits 1 if any, 0 otherwise (2 on usage errors). Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import sys

BLOCK_TYPES = {"header", "section", "actions", "context", "divider"}
PLACEHOLDERS = {
    '{{ .Labels.alertname }}',
    '{{ .Annotations.summary }}',
    '{{ .Annotations.description }}',
    '{{ .StartsAt.Format "2006-01-02 15:04:05 MST" }}',
    '{{ "{" }}',
}
FILE_NAME = re.compile(r"^(critical|warning|info)\.[a-z]{2}(-[A-Za-z0-9]+)?\.json$")


def length_ok(value, low, high):
    return isinstance(value, str) and low <= len(value) <= high


def check_placeholders(text, at, problems):
    rest = text
    while "{{" in rest:
        start = rest.index("{{")
        end = rest.find("}}", start)
        if end < 0:
            problems.append(f"{at}: unclosed `{{{{`")
            return
        action = rest[start:end + 2]
        if action not in PLACEHOLDERS:
            problems.append(f"{at}: unknown placeholder {action!r}")
        rest = rest[end + 2:]


def check_text(obj, at, kinds, high, problems):
    if not isinstance(obj, dict):
        problems.append(f"{at}: not a text object")
        return
    if obj.get("type") not in kinds:
        problems.append(f"{at}: type {obj.get('type')!r} not in {sorted(kinds)}")
    text = obj.get("text")
    if not length_ok(text, 1, high):
        size = len(text) if isinstance(text, str) else None
        problems.append(f"{at}: text of {size} characters (1 to {high} allowed)")
        return
    check_placeholders(text, at, problems)
    if obj.get("type") == "mrkdwn":
        bare = re.sub(r"\{\{.*?\}\}", "", text)
        if "<" in bare or ">" in bare:
            problems.append(f"{at}: unescaped < or > in mrkdwn")


def check_id(obj, key, at, problems):
    if key in obj and not length_ok(obj[key], 1, 255):
        problems.append(f"{at}: {key} must have 1 to 255 characters")


def check_message(message):
    problems = []
    if not isinstance(message, dict) or not isinstance(message.get("blocks"), list):
        return ["/blocks: not an array"]
    blocks = message["blocks"]
    if not 1 <= len(blocks) <= 50:
        problems.append(f"/blocks: {len(blocks)} blocks (1 to 50 allowed)")
    seen = set()
    for i, block in enumerate(blocks):
        at = f"/blocks/{i}"
        if not isinstance(block, dict):
            problems.append(f"{at}: not an object")
            continue
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            problems.append(f"{at}: unexpected block type {kind!r}")
            continue
        check_id(block, "block_id", at, problems)
        if "block_id" in block:
            if block["block_id"] in seen:
                problems.append(f"{at}: block_id repeated")
            seen.add(block["block_id"])
        if kind == "header":
            check_text(block.get("text"), f"{at}/text", {"plain_text"}, 150, problems)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{at}: a section needs text or fields")
            if "text" in block:
                check_text(block["text"], f"{at}/text", {"mrkdwn", "plain_text"}, 3000, problems)
            if "fields" in block:
                fields = block["fields"]
                if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                    problems.append(f"{at}/fields: 1 to 10 fields allowed")
                    fields = fields if isinstance(fields, list) else []
                for j, field in enumerate(fields):
                    check_text(field, f"{at}/fields/{j}", {"mrkdwn", "plain_text"}, 2000, problems)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
                problems.append(f"{at}/elements: 1 to 25 elements allowed")
                elements = elements if isinstance(elements, list) else []
            for j, element in enumerate(elements):
                eat = f"{at}/elements/{j}"
                if not isinstance(element, dict) or element.get("type") != "button":
                    problems.append(f"{eat}: not a button")
                    continue
                check_text(element.get("text"), f"{eat}/text", {"plain_text"}, 75, problems)
                check_id(element, "action_id", eat, problems)
                url = element.get("url")
                if url is not None:
                    if not length_ok(url, 1, 3000) or not re.match(r"^https?://[^/?#:\s]", url):
                        problems.append(f"{eat}/url: not an http(s) URL of 1 to 3000 characters")
                    elif "{{" in url or any(c.isspace() for c in url):
                        problems.append(f"{eat}/url: holds a space or `{{{{`")
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                problems.append(f"{at}/elements: 1 to 10 elements allowed")
                elements = elements if isinstance(elements, list) else []
            for j, element in enumerate(elements):
                check_text(element, f"{at}/elements/{j}", {"mrkdwn", "plain_text"}, 3000, problems)
    return problems


def check_file(path):
    problems = []
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return [f"not valid JSON: {e}"], 0
    if not isinstance(data, dict):
        return ["not a JSON object"], 0
    if "*" not in data:
        problems.append("no generic `*` message")
    if len(text.splitlines()) != len(data) + 2:
        problems.append("not one message per line")
    for key, message in data.items():
        problems.extend(f"{key}: {p}" for p in check_message(message))
    return problems, len(data)


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = argv[1]
    files = messages = failed = 0
    for env in sorted(os.listdir(out)):
        slack = os.path.join(out, env, "slack")
        if not os.path.isdir(slack):
            continue
        for tenant in sorted(os.listdir(slack)):
            folder = os.path.join(slack, tenant)
            for name in sorted(os.listdir(folder)):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, out)
                problems, count = check_file(path)
                if not FILE_NAME.match(name):
                    problems.append(f"unexpected file name {name!r}")
                files += 1
                messages += count
                for p in problems:
                    failed += 1
                    print(f"{rel}: {p}")
    if files == 0:
        print(f"check_slack: no Slack files under {out}", file=sys.stderr)
        return 1
    print(f"check_slack: {files} files, {messages} messages, {failed} problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
