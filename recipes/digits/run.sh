#!/usr/bin/env bash
# recipes/digits: the paper's Table 1 on the built-in synthetic digits corpus (issue 7).
echo "recipes/digits: not implemented yet (see issue 7)" >&2
exit 1
