"""The row-count table ``python -m seed`` prints: one line per product and table."""

from __future__ import annotations

from collections.abc import Sequence

from .runner import ProductReport

__all__ = ["render"]


def _status(product: ProductReport) -> str:
    if product.status == "seeded":
        return f"seeded in {product.seconds:.1f} s"
    if product.status == "kept":
        return "kept: it already had rows (--reset re-seeds it)"
    return product.status


def render(products: Sequence[ProductReport]) -> str:
    """A plain-text table: product, table, rows; then each product's total and status."""
    lines: list[tuple[str, str, str, str]] = [("product", "table", "rows", "")]
    for product in products:
        for table, count in sorted(product.counts.items()):
            lines.append((product.product, table, f"{count:,}", ""))
        lines.append((product.product, "total", f"{product.total:,}", _status(product)))
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    out = []
    rows_out: list[tuple[str, str, str, str]] = [
        lines[0],
        ("-" * widths[0], "-" * widths[1], "-" * widths[2], ""),
        *lines[1:],
    ]
    for name, table, rows, status in rows_out:
        line = f"{name:<{widths[0]}}  {table:<{widths[1]}}  {rows:>{widths[2]}}  {status}"
        out.append(line.rstrip())
        if table == "total":
            out.append("")
    return "\n".join(out).rstrip() + "\n"
