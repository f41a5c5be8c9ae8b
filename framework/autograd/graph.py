"""Graph export: Graphviz DOT text of the backward graph behind a tensor (torchviz's make_dot job).

Example:
    >>> dot = framework.autograd.graph.to_dot(loss, params=dict(model.named_parameters()))
    >>> open("graph.dot", "w").write(dot)      # then: dot -Tsvg graph.dot -o graph.svg
"""
from .node import AccumulateGrad


def _shape(t):
    return "(" + ", ".join(str(s) for s in t._data.shape) + ")"


def to_dot(tensor, params=None):
    """Return Graphviz DOT source for the backward graph of ``tensor``.

    Parameters are labelled with their names from ``params`` (a name -> tensor mapping).
    Traversal is iterative, so very deep graphs are fine.
    """
    names = {id(t): name for name, t in (params or {}).items()}
    lines = ["digraph backward {", '  node [shape=box, fontname="monospace", fontsize=10];', "  rankdir=BT;"]
    out_id = f"t{id(tensor)}"
    lines.append(f'  {out_id} [label="output\\n{_shape(tensor)}", style=filled, fillcolor=darkolivegreen1];')
    if tensor.grad_fn is None:
        lines.append("}")
        return "\n".join(lines) + "\n"
    seen = set()
    stack = [tensor.grad_fn]
    lines.append(f"  n{id(tensor.grad_fn)} -> {out_id};")
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            var = node.variable
            label = names.get(id(var), "")
            label = f"{label}\\n{_shape(var)}" if label else _shape(var)
            lines.append(f'  n{id(node)} [label="{label}", style=filled, fillcolor=lightblue];')
            continue
        lines.append(f'  n{id(node)} [label="{type(node).__name__}"];')
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            lines.append(f"  n{id(nxt)} -> n{id(node)};")
            stack.append(nxt)
    lines.append("}")
    return "\n".join(lines) + "\n"
