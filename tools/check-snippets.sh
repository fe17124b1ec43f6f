#!/usr/bin/env bash
# Checks that the C# quoted in the docs is the code that compiles.
#
# Every quoted block in docs/**/*.md (and README.md) that should stay in step with code is marked:
#
#   <!-- snippet: Tracking.cs#log-a-run -->
#   ```csharp
#   ...the text of `#region log-a-run` in docs/snippets/Tracking.cs...
#   ```
#
# The region's text is the lines between `#region <name>` and `#endregion`, with their common indentation removed
# and trailing white space dropped. The docs/snippets project is built by .ci/run (it is in MLOps.Sdk.sln), so a
# region that no longer compiles fails the build, and a block that no longer equals its region fails this check.
#
# A ```csharp block without a marker is an error too, so every C# block in the docs is compiled code.
# `<!-- quote: README.md#sh -->` before a ```sh block quotes the README's two commands and is checked the same way.
#
#   tools/check-snippets.sh            check; exit 1 on any difference, unknown region, unmarked or malformed block
#   tools/check-snippets.sh --update   rewrite every marked block from its region, then check
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import difflib, glob, os, re, sys

update = "--update" in sys.argv[1:]
snippet_dir = "docs/snippets"
marker = re.compile(r"^<!-- (?:snippet|quote): ([A-Za-z0-9_.-]+\.(?:cs|md))#([A-Za-z0-9_.-]+) -->\s*$")
region_start = re.compile(r"^\s*#region\s+(\S+)\s*$")
region_end = re.compile(r"^\s*#endregion\b")
problems = []

def source(key):
    return f"{key[0]} (first {key[1]} block)" if key in quotes else f"{snippet_dir}/{key[0]}#{key[1]}"

def dedent(lines):
    lines = [l.rstrip() for l in lines]
    indents = [len(l) - len(l.lstrip(" ")) for l in lines if l.strip()]
    cut = min(indents) if indents else 0
    return [l[cut:] if l.strip() else "" for l in lines]

regions = {}
for path in sorted(glob.glob(os.path.join(snippet_dir, "**", "*.cs"), recursive=True)):
    if os.sep + "obj" + os.sep in path or os.sep + "bin" + os.sep in path:
        continue
    name = os.path.basename(path)
    open_name, body, start = None, [], 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f.read().splitlines(), 1):
            m = region_start.match(line)
            if m:
                if open_name:
                    problems.append(f"{path}:{number}: #region {m.group(1)} inside #region {open_name} (regions do not nest)")
                open_name, body, start = m.group(1), [], number
            elif region_end.match(line):
                if not open_name:
                    problems.append(f"{path}:{number}: #endregion without #region")
                    continue
                key = (name, open_name)
                if key in regions:
                    problems.append(f"{path}:{start}: region {open_name} defined twice")
                regions[key] = dedent(body)
                open_name = None
            elif open_name:
                body.append(line)
    if open_name:
        problems.append(f"{path}:{start}: #region {open_name} has no #endregion")

# `<!-- quote: README.md#sh -->` quotes the first ```sh block of README.md (the two commands) the same way.
quotes = {}
with open("README.md", encoding="utf-8") as f:
    readme = f.read().split("\n")
if "```sh" in readme:
    first = readme.index("```sh")
    last = readme.index("```", first + 1)
    quotes[("README.md", "sh")] = [l.rstrip() for l in readme[first + 1:last]]
regions.update(quotes)

docs = sorted(set(glob.glob("docs/**/*.md", recursive=True)) | {"README.md"})
checked, used = 0, set()
for doc in docs:
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    out, i, changed = [], 0, False
    while i < len(lines):
        line = lines[i]
        out.append(line)
        m = marker.match(line)
        i += 1
        if not m:
            if line.strip() == "```csharp":
                problems.append(f"{doc}:{i}: a ```csharp block without a snippet marker; put the code in a #region "
                                f"of {snippet_dir} and mark the block (code that only sketches a future API: ```text)")
            continue
        key = (m.group(1), m.group(2))
        where = f"{doc}:{i}"
        fence = "```" + (key[1] if key in quotes else "csharp")
        if i >= len(lines) or lines[i].strip() != fence:
            problems.append(f"{where}: marker {key[0]}#{key[1]} is not followed by a {fence} line")
            continue
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if end >= len(lines):
            problems.append(f"{where}: the ```csharp block after the marker is never closed")
            continue
        quoted = [l.rstrip() for l in lines[i + 1:end]]
        checked += 1
        if key not in regions:
            problems.append(f"{where}: no #region {key[1]} in {snippet_dir}/{key[0]}" if key[0].endswith(".cs")
                            else f"{where}: {key[0]} has no block {key[1]} to quote")
            out.extend(lines[i:end + 1])
        else:
            used.add(key)
            expected = regions[key]
            if quoted != expected:
                if update:
                    changed = True
                else:
                    diff = "\n".join(difflib.unified_diff(expected, quoted, source(key), where, lineterm="", n=1))
                    problems.append(f"{where}: the block differs from {source(key)}:\n{diff}")
            out.append(lines[i])
            out.extend(expected if update else lines[i + 1:end])
            out.append(lines[end])
        i = end + 1
    if update and changed:
        with open(doc, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
        print(f"updated {doc}")

unused = sorted(set(regions) - used - set(quotes))
for name, region in unused:
    print(f"note: {snippet_dir}/{name}#{region} is not quoted by any document")
for p in problems:
    print(f"SNIPPET ERROR: {p}")
print(f"snippets: {checked} quoted blocks in {len(docs)} documents checked against {len(regions)} regions, "
      f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
PY
