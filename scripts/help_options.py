# SPDX-License-Identifier: BSD-2-Clause
# The options a program's --help lists, for the checks that compare them
# with the README's tables (check-readme-options) and the man pages
# (check-man).
import re
import subprocess


def help_options(program):
    """{option: its help text, continuation lines joined} from `program --help`."""
    out = subprocess.run([program, "--help"], capture_output=True, text=True).stdout
    found, current = {}, None
    for line in out.splitlines():
        # An option starts a line, indented a little; deeper is its help
        # text going on (which may begin with another option's name).
        m = re.match(r"^ {1,8}(--[a-z0-9-]+)(.*)", line)
        if m:
            current = m.group(1)
            found[current] = m.group(2)
        elif current and line.strip():
            found[current] += " " + line.strip()
        else:
            current = None
    return {o: re.sub(r"\s+", " ", text) for o, text in found.items()}
