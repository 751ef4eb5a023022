import RNNCore

/// The report of `grad-check`: one table per parameter, then the verdict.
public struct GradientCheckReport {
    public var result: GradientCheckResult
    /// The window the check used starts here.
    public var window: Int
    public var style: TextStyle
    /// Rows shown per parameter (the rest are summarised by their worst); one more is shown
    /// rather than a line that says "… 1 more".
    public var rowsPerParameter = 8
    /// Sentences wrap to this width.
    public var pageWidth: Int

    public init(result: GradientCheckResult, window: Int, style: TextStyle = .plain, pageWidth: Int = 100) {
        self.result = result
        self.window = window
        self.style = style
        self.pageWidth = pageWidth
    }

    public func render() -> String {
        let options = result.options
        var text = "gradient check on the window at p = \(window) (loss " + NumberFormat.fixed(result.loss, decimals: 4) + "), "
        if let (mode, limit) = options.clipping {
            text += "analytic side clipped as the update would use it (clip \(mode.rawValue) "
                + NumberFormat.general(limit, significant: 4) + "): it is no longer ∂L/∂θ\n"
        } else {
            text += "clipping off\n"
        }
        text += "numeric: " + (options.method == .precise
            ? "central differences at δ and 2δ, Richardson-extrapolated, loss in double-double"
            : "one central difference (L(θ+δ) − L(θ−δ))/2δ in double precision")
        text += ", δ = " + NumberFormat.general(options.delta, significant: 3) + "; pass: relative error < "
            + NumberFormat.general(options.tolerance, significant: 3) + "\n"
        text = wrapLines(style.text(text), width: pageWidth)
        for check in result.parameters {
            let total = check.rows * check.columns
            text += "\(check.name)  \(check.rows)\(style.times)\(check.columns): \(check.entries.count) of \(total) entries"
            switch check.structuralZeroRows {
            case .charactersNotInWindow:
                text += " (\(check.structuralZeros) left out: rows of characters not in the window, zero by construction)"
            case .unitsAtZero:
                text += style.text(" (\(check.structuralZeros) left out: rows of units whose h is 0 at every step of the "
                    + "window, zero by construction)")
            case nil:
                break
            }
            text = wrapLines(text, width: pageWidth) + "\n"
            if check.entries.isEmpty && check.structuralZeros > 0 {
                text += wrapLines("  nothing to compare: this window cannot change " + check.name
                                  + " (a longer window, or one that starts from a carried h, can)", width: pageWidth) + "\n"
                continue
            }
            // "… 1 more" would take the line the entry needs: elide only two or more.
            let shown = check.entries.count <= rowsPerParameter + 1 ? check.entries.count : rowsPerParameter
            // Nine significant digits, or five when the table would not fit the page.
            func table(digits: Int) -> String {
                let rows = check.entries.prefix(shown).map { entry in
                    ["[\(entry.row), \(entry.column)]", NumberFormat.scientific(entry.analytic, digits: digits),
                     NumberFormat.scientific(entry.numeric, digits: digits), NumberFormat.scientific(entry.relativeError, digits: 1),
                     entry.relativeError < check.tolerance ? "OK" : "FAIL"]
                }
                return formatTable(header: ["entry", "analytic", "numeric", "rel. error", "result"], rows: rows,
                                   rightAligned: [1, 2, 3], indent: 2)
            }
            let wide = table(digits: 8)
            text += wide.split(separator: "\n").contains { $0.count > pageWidth } ? table(digits: 4) : wide
            if check.entries.count > shown {
                text += style.text("  … \(check.entries.count - shown) more") + "\n"
            }
            text += "  worst relative error " + NumberFormat.scientific(check.worstRelativeError, digits: 1)
                + (check.passed ? ": OK\n" : ": FAIL (\(check.failures) entries)\n")
        }
        let failing = result.parameters.filter { !$0.passed }.map(\.name)
        if !failing.isEmpty {
            text += "FAIL: " + failing.joined(separator: ", ") + "\n"
        } else {
            let compared = result.parameters.filter { !$0.entries.isEmpty }
            let idle = result.parameters.count - compared.count
            if compared.isEmpty {
                text += "nothing was compared\n"
            } else {
                text += compared.count == 1 ? "\(compared[0].name) passes"
                    : "all \(compared.count)" + (idle == 0 ? "" : " compared") + " parameters pass"
                text += idle == 0 ? "\n" : " (\(idle) had nothing to compare)\n"
            }
        }
        return text
    }
}
