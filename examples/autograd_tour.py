"""A tour of minidl's autograd: draw a graph, trace backward, check gradients.

    python examples/autograd_tour.py [--out results/autograd_tour]

Builds loss = sum(tanh(w * x + b)), writes its graph with the gradient norms
(graph.svg when Graphviz's `dot` is installed, graph.dot otherwise), prints
every backward step, then checks the gradients against finite differences,
both of the expression and of a new op (softplus) written as a Function.
docs/autograd.md walks through the same steps with the chain rule in prose.
"""

import argparse
from pathlib import Path

import minidl as mdl
from minidl import viz


class Softplus(mdl.autograd.Function):
    """softplus(x) = log(1 + exp(x)); its derivative is sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x.exp() + 1.0).log()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sigmoid()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="results/autograd_tour",
                        help="directory for the drawn graph (default: %(default)s)")
    return parser.parse_args(argv)


def leaf(values, name):
    # float64 so the same tensors can go through gradcheck below
    tensor = mdl.tensor(values, dtype=mdl.float64, requires_grad=True)
    tensor.name = name
    return tensor


def expression(x, w, b):
    return (w * x + b).tanh().sum()


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    x = leaf([1.0, -2.0, 0.5], "x")
    w = leaf([0.3, 0.8, -1.5], "w")
    b = leaf([0.1], "b")
    loss = expression(x, w, b)
    print(f"loss = sum(tanh(w * x + b)) = {loss.item():.6f}\n")

    print("backward, one step at a time:")
    with viz.record_grads() as grads, mdl.tools.trace():
        # retain_graph so the graph can still be drawn afterwards
        loss.backward(retain_graph=True)
    written = viz.draw(loss, out / "graph.svg", show_grads=True, grads=grads)
    print(f"\ngraph written to {written}")

    checks = [("sum(tanh(w * x + b))", expression, (x, w, b)),
              ("Softplus (a new Function)", Softplus.apply, (leaf([-3.0, 0.0, 2.5], "z"),))]
    for title, fn, inputs in checks:
        print(f"gradcheck {title}: {mdl.gradcheck(fn, *inputs)}")
    return written


if __name__ == "__main__":
    main()
