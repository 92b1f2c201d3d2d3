"""Dominators of a flow graph: which nodes every token must pass to reach a node.

Node ``d`` dominates ``n`` when every path from a start event to ``n`` passes ``d``.
The nearest common dominator of two nodes is where their paths last split; if that is
an exclusive gateway, the two nodes lie on alternative branches and a parallel join
that waits for both waits forever. Computed with the iterative algorithm of Cooper,
Harvey and Kennedy ("A Simple, Fast Dominance Algorithm", 2001), without recursion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

#: a virtual node before all start events, so a graph with several starts has one root.
ROOT = "\0root"


def immediate_dominators(
    starts: Sequence[str], successors: Mapping[str, Iterable[str]]
) -> dict[str, str]:
    """Immediate dominator of every node reachable from ``starts`` (ROOT for itself)."""

    def succ(node: str) -> Iterable[str]:
        return starts if node == ROOT else successors.get(node, ())

    postorder: list[str] = []
    visited = {ROOT}
    stack = [(ROOT, iter(succ(ROOT)))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child not in visited:
                visited.add(child)
                stack.append((child, iter(succ(child))))
                break
        else:
            stack.pop()
            postorder.append(node)
    order = postorder[::-1]
    index = {node: i for i, node in enumerate(order)}
    preds: dict[str, list[str]] = defaultdict(list)
    for node in order:
        for child in succ(node):
            preds[child].append(node)
    idom = {ROOT: ROOT}
    changed = True
    while changed:
        changed = False
        for node in order[1:]:
            done = [p for p in preds[node] if p in idom]
            new = done[0]
            for other in done[1:]:
                new = _intersect(other, new, idom, index)
            if idom.get(node) != new:
                idom[node] = new
                changed = True
    return idom


def _intersect(a: str, b: str, idom: Mapping[str, str], index: Mapping[str, int]) -> str:
    while a != b:
        while index[a] > index[b]:
            a = idom[a]
        while index[b] > index[a]:
            b = idom[b]
    return a


def nearest_common_dominator(a: str, b: str, idom: Mapping[str, str]) -> str:
    """The last node that every path to ``a`` and every path to ``b`` passes."""
    ancestors = {a}
    while a != ROOT:
        a = idom[a]
        ancestors.add(a)
    while b not in ancestors:
        b = idom[b]
    return b
